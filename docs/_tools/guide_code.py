"""The Python code blocks of a user-guide page, to run them (tests/test_docstrings.py).

Blocks are ``.. code-block:: python`` directives; a block whose first line is
``# not run`` is shown only (it needs a cluster, a GPU or a long search).
"""

import re
import sys
from pathlib import Path

BLOCK = re.compile(r"^\.\. code-block:: python\n((?:[ \t]*:[^\n]*\n)*)\n((?:(?:   [^\n]*)?\n)+)",
                   re.MULTILINE)


def code_blocks(path):
    text = Path(path).read_text()
    blocks = []
    for match in BLOCK.finditer(text):
        lines = match.group(2).splitlines()
        code = "\n".join(line[3:] for line in lines).strip("\n") + "\n"
        if not code.startswith("# not run"):
            blocks.append(code)
    return blocks


def run_page(path):
    namespace = {"__name__": "__guide__"}
    for code in code_blocks(path):
        exec(compile(code, str(path), "exec"), namespace)


if __name__ == "__main__":
    for page in sys.argv[1:]:
        run_page(page)
        print("ran", page)
