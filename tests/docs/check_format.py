#!/usr/bin/env python3
"""Every C++ file of the project is as clang-format leaves it with the project's .clang-format.

Usage: check_format.py SOURCE_DIR [CLANG_FORMAT]
Lists the files that differ, with clang-format's first complaints for each, and exits 1 when there is one.
"""

import pathlib
import subprocess
import sys

FOLDERS = ("src", "tests", "bench")
SKIPPED = {"build", "__pycache__"}


def cpp_files(root):
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".cpp", ".h") and not SKIPPED.intersection(path.relative_to(root).parts):
                yield path


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    clang_format = sys.argv[2] if len(sys.argv) > 2 else "clang-format"
    files = list(cpp_files(root))
    if not files:
        print(f"check_format: no C++ files under {root}", file=sys.stderr)
        return 1
    unformatted = []
    for path in files:
        result = subprocess.run([clang_format, "--dry-run", f"--style=file:{root / '.clang-format'}", str(path)],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0 or "warning:" in result.stderr:
            unformatted.append((path.relative_to(root), result.stderr.splitlines()[:4]))
    for path, lines in unformatted:
        print(f"{path}: not as clang-format leaves it (run clang-format -i {path})")
        for line in lines:
            print(f"    {line}")
    print(f"check_format: {len(files)} files, {len(unformatted)} to format")
    return 1 if unformatted else 0


if __name__ == "__main__":
    sys.exit(main())
