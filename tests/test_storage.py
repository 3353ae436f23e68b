"""Static URLs in production: hashed names from the manifest, each worked out once."""

from whitenoise.storage import CompressedManifestStaticFilesStorage

from assessment.storage import MAX_REMEMBERED, StaticFilesStorage


def counting_storage(tmp_path, monkeypatch):
    calls = []

    def url(self, name, force=False):
        calls.append((name, force))
        return f"/static/{name}.{len(calls)}"

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", url)
    return StaticFilesStorage(location=tmp_path, base_url="/static/"), calls


def test_a_static_url_is_worked_out_once_and_then_remembered(tmp_path, monkeypatch, settings):
    settings.DEBUG = False
    storage, calls = counting_storage(tmp_path, monkeypatch)
    assert storage.url("css/app.css") == "/static/css/app.css.1"
    assert storage.url("css/app.css") == "/static/css/app.css.1"
    assert storage.url("js/flag.js") == "/static/js/flag.js.2"
    assert calls == [("css/app.css", False), ("js/flag.js", False)]
    assert storage.url("css/app.css", force=True) == "/static/css/app.css.3"  # not remembered


def test_nothing_is_remembered_in_debug_and_the_memory_is_bounded(tmp_path, monkeypatch, settings):
    settings.DEBUG = True
    storage, calls = counting_storage(tmp_path, monkeypatch)
    storage.url("a.css")
    storage.url("a.css")
    assert len(calls) == 2
    settings.DEBUG = False
    for number in range(MAX_REMEMBERED + 5):
        storage.url(f"file-{number}.css")
    assert len(storage._urls) <= MAX_REMEMBERED


def test_the_real_manifest_gives_hashed_names(tmp_path, settings):
    settings.DEBUG = False
    (tmp_path / "staticfiles.json").write_text(
        '{"paths": {"css/app.css": "css/app.0123456789ab.css"}, "version": "1.1"}'
    )
    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"
