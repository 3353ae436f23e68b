"""Everything a report needs, gathered once (`data`); the results page, the PDF (`pdf`) and
the JSON export (`export`) render from it."""
