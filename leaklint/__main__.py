import os
import sys

# `python -m leaklint` puts the working directory first on sys.path. In a checkout being
# analysed, a json.py or argparse.py there would then be imported, that is executed, in
# place of the real module. leaklint itself is imported by now: drop that entry first.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from leaklint.cli import console

console()
