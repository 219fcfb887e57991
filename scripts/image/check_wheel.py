"""Fails the image build unless Kino's wheel carries the built front end and the templates
(pyproject's package-data): the manifest, every page script it names, the stylesheet and
every template of the source tree. Run in the Containerfile's wheel stage:
    python check_wheel.py WHEEL SOURCE_DIR
"""

import json
import sys
import zipfile
from pathlib import Path

wheel, source = Path(sys.argv[1]), Path(sys.argv[2])
names = set(zipfile.ZipFile(wheel).namelist())
manifest = json.loads((source / "kino/web/static/build/manifest.json").read_text())
needed = {"kino/web/static/build/manifest.json", "kino/web/static/kino.css"}
needed |= {"kino/web" + url for url in manifest["scripts"].values()}  # /static/build/X.js
templates = sorted((source / "kino/web/templates").glob("*.html"))
needed |= {str(path.relative_to(source)) for path in templates}
missing = sorted(needed - names)
if not manifest["scripts"] or not templates or missing:
    sys.exit(f"{wheel.name} lacks the web client: {missing or 'no scripts or templates'}")
print(f"{wheel.name}: {len(manifest['scripts'])} page scripts, {len(templates)} templates")
