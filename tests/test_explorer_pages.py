"""book/_ext/explorer_pages.py: a page's pictures become files, and the files no page
names any more leave the build."""

import base64
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import explorer_pages  # noqa: E402

RED, BLUE = b"\x89PNG red pixels", b"RIFF blue pixels"


def data_uri(kind, data):
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


def name_of(data, kind):
    return hashlib.sha256(data).hexdigest()[:20] + "." + kind


def test_each_picture_is_written_once_and_named_by_its_bytes(tmp_path):
    html = (
        f'<img src="{data_uri("png", RED)}"><img src="{data_uri("png", RED)}">'
        f'<script type="application/json">["{data_uri("webp", BLUE)}"]</script>'
    )
    out = explorer_pages.pictures_as_files(html, tmp_path, depth=1)
    red, blue = name_of(RED, "png"), name_of(BLUE, "webp")
    assert out == (
        f'<img src="../_images/downhill/{red}"><img src="../_images/downhill/{red}">'
        f'<script type="application/json">["../_images/downhill/{blue}"]</script>'
    )
    folder = tmp_path / "_images" / "downhill"
    assert sorted(p.name for p in folder.iterdir()) == sorted([red, blue])
    assert (folder / red).read_bytes() == RED and (folder / blue).read_bytes() == BLUE


def test_the_pictures_no_page_names_are_the_unused_ones(tmp_path):
    (tmp_path / "book").mkdir()
    chapter = explorer_pages.pictures_as_files(f'<img src="{data_uri("png", RED)}">', tmp_path, 1)
    (tmp_path / "book" / "ch.html").write_text(chapter)
    index = explorer_pages.pictures_as_files(f'<img src="{data_uri("webp", BLUE)}">', tmp_path, 0)
    (tmp_path / "index.html").write_text(index)  # a page at the top: no "../"
    folder = tmp_path / "_images" / "downhill"
    old = folder / name_of(b"an earlier build's frame", "webp")
    old.write_bytes(b"an earlier build's frame")
    (folder / "notes.txt").write_text("not a picture of any page")
    assert explorer_pages.unused_pictures(tmp_path) == sorted([old, folder / "notes.txt"])

    (tmp_path / "index.html").write_text("<p>the picture is gone from the page</p>")
    assert explorer_pages.unused_pictures(tmp_path) == sorted(
        [folder / name_of(BLUE, "webp"), old, folder / "notes.txt"]
    )


def test_a_build_without_pictures_has_none_to_remove(tmp_path):
    (tmp_path / "index.html").write_text("<p>no explorer</p>")
    assert explorer_pages.unused_pictures(tmp_path) == []


def test_the_unused_pictures_are_removed_after_a_successful_html_build(tmp_path):
    calls = {}

    class App:
        outdir = str(tmp_path)

        class builder:
            format = "html"

        def connect(self, event, handler):
            calls[event] = handler

    app = App()
    explorer_pages.setup(app)
    folder = tmp_path / "_images" / "downhill"
    folder.mkdir(parents=True)
    stale = folder / name_of(RED, "png")
    stale.write_bytes(RED)
    calls["build-finished"](app, RuntimeError("the build failed"))
    assert stale.exists()  # a failed build leaves the folder as it was
    calls["build-finished"](app, None)
    assert not stale.exists()
