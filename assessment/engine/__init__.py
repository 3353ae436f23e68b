"""The pure engines: plain data in, plain data out, no ORM and no request.

`scoring` scores answers against a questionnaire, `roadmap` plans the steps, `consolidation`
and `comparison` put several people's or two checks' answers side by side, `charts` draws the
SVG charts for the pages and the PDF.
"""
