"""Sphinx configuration of the sklearn_rnn documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (warnings are errors).
Nothing is downloaded at build time: there is no intersphinx, so references to other
projects' objects are left as plain text (``nitpick_ignore_regex`` below) while every
reference into ``sklearn_rnn`` must resolve.
"""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import sklearn_rnn  # noqa: E402

project = "sklearn_rnn"
author = "the sklearn_rnn developers"
copyright = "the sklearn_rnn developers"
release = sklearn_rnn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "examples/GALLERY_HEADER.rst"]
root_doc = "index"

# --- API reference -----------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True

# --- Cross-references: nitpicky for the package, plain text for the others ----
nitpicky = True
_OTHER_PROJECTS = (r"(sklearn|numpy|np|scipy|keras|tensorflow|tf|jax|torch|matplotlib|"
                   r"pandas|pd|aeon|sktime|imblearn|optuna|optuna_integration|joblib|"
                   r"dask|scikeras)(\..*)?")
nitpick_ignore_regex = [
    (r"py:.*", _OTHER_PROJECTS),
    (r"py:mod", r"(pickle|os|warnings)"),
    (r"py:.*", r"(int|float|str|bool|dict|list|tuple|object|callable|None|"
               r"ValueError|TypeError|UserWarning|Warning|Exception|KeyboardInterrupt)"),
]

# --- Gallery ------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "show_memory": False,
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "reset_modules": ("matplotlib",),
    "remove_config_comments": True,
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sklearn_rnn",),
    "inspect_global_variables": False,
}

# --- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_rnn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_static_path = []
html_show_sourcelink = True
