"""Types of a :class:`Config` checked before a simulation, so that a mistake is one clear error.

The command line fills the configuration itself; the Python API takes what
the caller sets. A string where a number belongs, a float step count or a
file descriptor where a file name belongs would otherwise end in a raw
``TypeError`` deep in the setup, or worse (``hkl_file = 1`` would read and
close the caller's stdout).
"""
import dataclasses
import numbers
import os
import typing

import numpy as np

from ...core.config import Config
from ...errors import ArgumentError


def check_config(config):
    """Raise :class:`ArgumentError` for a configuration field of the wrong type.

    Parameters
    ----------
    config : Config
        The simulation.

    Raises
    ------
    ArgumentError
        ``config`` is not a :class:`Config`, or one of its fields has the
        wrong type: a float field takes a real number, an integer field an
        integer (not 1.5), a flag ``True``/``False``, a file field a path
        (``str`` or ``os.PathLike``, not a file descriptor), a vector or the
        ROI a sequence of numbers of the right length.
    """
    if not isinstance(config, Config):
        raise ArgumentError(f"simulate needs a nanobragg_nb.Config, not {type(config).__name__}")
    for group in dataclasses.fields(Config):
        section = getattr(config, group.name)
        hints = typing.get_type_hints(type(section))
        for item in dataclasses.fields(section):
            _check_value(f"config.{group.name}.{item.name}", getattr(section, item.name), hints[item.name])


def check_threads(threads):
    """Raise :class:`ArgumentError` unless ``threads`` is None or a positive integer."""
    if threads is None:
        return
    if not _is_integer(threads) or threads < 1:
        raise ArgumentError(f"threads must be a positive integer or None, got {threads!r}")


def _is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_value(name, value, hint):
    optional = False
    if typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional, hint = True, args[0]
        if value is None:
            return
    origin = typing.get_origin(hint)
    if hint is float:
        ok, wanted = _is_real(value), "a real number"
    elif hint is int:
        ok, wanted = _is_integer(value), "an integer"
    elif hint is bool:
        ok, wanted = isinstance(value, (bool, np.bool_)) or (_is_integer(value) and value in (0, 1)), \
            "True or False"
    elif hint is str:
        ok = isinstance(value, (str, os.PathLike)) if optional else isinstance(value, str)
        wanted = "a file name (str or os.PathLike)" if optional else "a str"
    elif hint is np.ndarray:
        ok, wanted = isinstance(value, np.ndarray), "a NumPy array"
    elif origin is tuple:
        items = typing.get_args(hint)
        element = int if items and items[0] is int else float
        ok = (isinstance(value, (tuple, list, np.ndarray)) and len(value) == len(items)
              and all((_is_integer if element is int else _is_real)(v) for v in value))
        kind = "integers" if element is int else "numbers"
        wanted = f"{len(items)} {kind}"
    else:
        return
    if not ok:
        raise ArgumentError(f"{name} must be {wanted}, got {value!r}")
