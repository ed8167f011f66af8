"""Actions of the C programs' argument rules that nonBragg's and noisify's parsers share.

Each ``set_*`` returns the action of a rule (``action(cfg, vals)``, ``vals``
the tokens after the flag); the converters read a token as the C does.
"""
from ..cnum import atof, atoi, to_int32


def set_value(name, convert):
    """The action that sets ``cfg.<name>`` to the converted first value."""
    def action(cfg, vals):
        setattr(cfg, name, convert(vals[0]))
    return action


def set_flag(name, value):
    """The action that sets ``cfg.<name>`` to ``value`` (a flag without values)."""
    def action(cfg, vals):
        setattr(cfg, name, value)
    return action


def set_both(first, second, convert):
    """The action that sets ``cfg.<first>`` and ``cfg.<second>`` to the same converted value."""
    def action(cfg, vals):
        setattr(cfg, first, convert(vals[0]))
        setattr(cfg, second, convert(vals[0]))
    return action


def milli(v):
    """``atof(v)/1000.0``: millimetres or milliradians on the command line, metres or radians inside."""
    return atof(v) / 1000.0


def negated_seed(v):
    """``-atoi(v)`` as a C int: the C programs keep their seeds negated."""
    return to_int32(-atoi(v))
