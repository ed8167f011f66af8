"""Numba's on-disk cache for this package, invalidated when the code it was compiled from changes.

The compiled kernels are cached (``cache=True``) so that a second run pays no
compilation. Numba decides whether a cached function is fresh from the one
file that defines it; the kernel in ``core/kernels/cpu.py`` carries compiled
copies of the physics in ``core/physics.py`` and ``core/kernels/pixel.py``, so after an
edit or upgrade of those files numba alone would load stale machine code.
:func:`install` adds to the freshness stamp of every cached function of the
package a digest of the sources its module imports, transitively
(:func:`dependencies`): a change to any of them recompiles once, and nothing
stale is ever loaded.

The cache folder is numba's usual choice (``NUMBA_CACHE_DIR`` when set, else
``__pycache__`` beside the sources when writable, else the user's cache
folder), so an installed, read-only package caches under ``~/.cache/numba``.
"""
import functools
import hashlib
import importlib.machinery
import os
import re
import sys

PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))
PACKAGE = os.path.basename(PACKAGE_DIR)

_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#]*)", re.M)


def _module_file(parts):
    """The package file of a module path (list of names below the package), or None."""
    base = os.path.join(PACKAGE_DIR, *parts)
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


def _imported_files(path, source):
    """The package files that ``path`` imports (relative or absolute imports of the package).

    Read from the import statements' text (an over-estimate at worst, e.g.
    from an example in a docstring), which is much quicker than parsing.
    """
    text = source.decode("utf-8", "replace")
    here = os.path.relpath(os.path.dirname(path), PACKAGE_DIR).split(os.sep)
    here = [] if here == ["."] else here
    targets = []
    for dots, module, names in _FROM_IMPORT.findall(text):
        parts = module.split(".") if module else []
        if dots:
            anchor = here[:len(here) - (len(dots) - 1)] if len(dots) > 1 else list(here)
        elif parts and parts[0] == PACKAGE:
            anchor, parts = [], parts[1:]
        else:
            continue
        targets.append(anchor + parts)
        for name in names.strip("()").replace("\\", " ").split(","):
            name = name.split()[0] if name.split() else ""
            if name.isidentifier():
                targets.append(anchor + parts + [name])
    for names in _IMPORT.findall(text):
        for name in names.split(","):
            dotted = name.split()[0].split(".") if name.split() else []
            if dotted and dotted[0] == PACKAGE:
                targets.append(dotted[1:])
    # the package's __init__ (an empty path) is not what compiled code reads
    found = (_module_file(parts) for parts in targets if parts)
    return {target for target in found if target is not None}


@functools.lru_cache(maxsize=None)
def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def dependencies(py_file):
    """The package sources that the compiled functions of ``py_file`` can depend on.

    ``py_file`` itself and every package module it imports, transitively:
    what a compiled function can call or read a constant from. An edit of
    the command line does not recompile the kernels; an edit of the physics,
    or of a constant the kernels read, recompiles the kernels that import it.

    Parameters
    ----------
    py_file : str
        A source file of the package.

    Returns
    -------
    dict
        Absolute path -> file contents (bytes), sorted by path.
    """
    start = os.path.realpath(py_file)
    reached = {start}
    pending = [start]
    while pending:
        path = pending.pop()
        for target in _imported_files(path, _read(path)):
            if target not in reached:
                reached.add(target)
                pending.append(target)
    return {path: _read(path) for path in sorted(reached)}


@functools.lru_cache(maxsize=None)
def source_digest(py_file):
    """SHA-256 of the names and contents of :func:`dependencies` of ``py_file``, once per process.

    Returns
    -------
    str
        Hex digest.
    """
    digest = hashlib.sha256()
    for path, text in dependencies(py_file).items():
        digest.update(os.path.relpath(path, PACKAGE_DIR).encode() + b"\0" + text + b"\0")
    return digest.hexdigest()


def _inside_package(py_file):
    try:
        path = os.path.realpath(py_file)
    except (TypeError, ValueError):
        return False
    return path.startswith(PACKAGE_DIR + os.sep)


def _locator_class(caching, base_classes):
    class PackageSourcesLocator(caching._CacheLocator):
        """Numba's own locator for the file, with the digest of the file's dependencies added to its stamp."""

        def __init__(self, base, py_file):
            self._base = base
            self._py_file = py_file

        def ensure_cache_path(self):
            self._base.ensure_cache_path()

        def get_cache_path(self):
            return self._base.get_cache_path()

        def get_disambiguator(self):
            return self._base.get_disambiguator()

        def get_source_stamp(self):
            return (self._base.get_source_stamp(), source_digest(self._py_file))

        @classmethod
        def from_function(cls, py_func, py_file):
            if not _inside_package(py_file):
                return None
            for base_class in base_classes:
                base = base_class.from_function(py_func, py_file)
                if base is not None:
                    return cls(base, py_file)
            return None

    return PackageSourcesLocator


def install(caching=None):
    """Put the dependency-aware freshness stamp in front of numba's cache locators.

    Must run before the first cached function of the package is decorated
    (``nanobragg_nb/__init__.py`` arranges it for ``@njit`` through
    :func:`install_on_import`). Functions
    outside the package keep numba's behaviour. Does nothing, and returns
    False, where numba's caching internals are not as expected.

    Parameters
    ----------
    caching : module, optional
        Numba's caching module: ``numba.core.caching`` (default) for
        ``@njit``; ``numba.cuda.core.caching`` for numba-cuda's
        ``@cuda.jit(cache=True)``, which keeps a list of its own.

    Returns
    -------
    bool
        Whether the locator is in place.
    """
    try:
        if caching is None:
            from numba.core import caching
        classes = caching.CacheImpl._locator_classes
        base_type = caching._CacheLocator
    except (ImportError, AttributeError):
        return False
    if not isinstance(classes, list) or not isinstance(base_type, type):
        return False
    if any(getattr(cls, "__name__", "") == "PackageSourcesLocator" for cls in classes):
        return True
    classes.insert(0, _locator_class(caching, list(classes)))
    return True


#: numba's module that holds the locators :func:`install` extends
NUMBA_CACHING = "numba.core.caching"


def install_on_import():
    """:func:`install` as soon as numba's caching module is imported (now, if it already is).

    Importing the package stays cheap (numba is imported only by what
    compiles), yet no cached function of the package is ever decorated
    before the locator is in place: numba imports its caching module before
    anything can be decorated.
    """
    if NUMBA_CACHING in sys.modules:
        install()
    elif not any(isinstance(finder, _ThenInstall) for finder in sys.meta_path):
        sys.meta_path.insert(0, _ThenInstall())


class _ThenInstall:
    """Import hook: finds numba's caching module as usual, and calls :func:`install` once it has run."""

    def find_spec(self, name, path=None, target=None):
        if name != NUMBA_CACHING:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _LoaderThenInstall(spec.loader)
        return spec


class _LoaderThenInstall:
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self._loader
        self._loader.exec_module(module)
        install()

    def __getattr__(self, name):
        return getattr(self._loader, name)
