"""The console's `:file`: which file on this computer a line names, and the plan it ships."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from bot.names import fold

# The sample plan annex shipped with dondoc, so the demo can import a real-looking file.
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
SAMPLE = SAMPLES_DIR / "ke-hoach-45-tct-phu-luc.docx"
SAMPLE_WORDS = ("sample", "mau")  # `:file sample` (`:file mau`) sends SAMPLE


@dataclass(frozen=True, slots=True)
class ChosenFile:
    """A file to send and its caption, or the problem (`reason`) and what was typed."""

    path: Path | None = None
    data: bytes = b""
    caption: str = ""
    reason: str = ""  # "file_usage", "no_file" or "file_unreadable"
    value: str = ""
    error: str = ""

    @property
    def mime_type(self) -> str:
        guessed, _ = mimetypes.guess_type(self.path.name if self.path else "")
        return guessed or "application/octet-stream"


def choose_file(arg: str, cwd: Path) -> ChosenFile:
    """The file `arg` names first (quoted, or the longest run of words that is a file) and the
    rest as its caption; a path is looked for from `cwd`, then in the samples folder."""
    arg = arg.strip()
    if not arg:
        return ChosenFile(reason="file_usage")
    if arg[0] in "\"'":
        end = arg.find(arg[0], 1)
        if end < 0:
            return ChosenFile(reason="file_usage")
        name, caption = arg[1:end], arg[end + 1:]
        path = _find(name, cwd)
    else:
        # Names often hold spaces ("Kế hoạch 45.docx"): try the longest run of words first.
        words = arg.split(" ")
        name, caption, path = words[0], " ".join(words[1:]), None
        for count in range(len(words), 0, -1):
            path = _find(" ".join(words[:count]), cwd)
            if path is not None:
                name, caption = " ".join(words[:count]), " ".join(words[count:])
                break
    if path is None:
        return ChosenFile(reason="no_file", value=name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ChosenFile(reason="file_unreadable", value=str(path),
                          error=exc.strerror or str(exc))
    return ChosenFile(path=path, data=data, caption=caption.strip())


def _find(name: str, cwd: Path) -> Path | None:
    if fold(name) in SAMPLE_WORDS:
        return SAMPLE
    given = Path(name).expanduser()
    for path in (cwd / given, SAMPLES_DIR / given):
        if path.is_file():
            return path.absolute()
    return None
