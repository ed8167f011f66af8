"""Array views without reference counting, for the hot loops of the CPU kernels.

Numba counts references to arrays with atomic increments and decrements each
time a function binds an array argument. Per pixel that is a dozen atomic
operations on counters the threads share, which costs as much as the physics
of a simple pixel. The kernels hold their inputs for the whole call, so they
can work on views whose memory-info pointer is null: Numba's reference
counting then skips them.
"""
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def borrowed(typingctx, arr):
    """A view of ``arr`` that Numba does not reference-count.

    Valid only while the caller holds ``arr``; the kernels use it on their
    own arguments, which outlive the call. ``None`` passes through.
    """
    if isinstance(arr, types.NoneType):
        # an input a kernel was given none of (the faithful kernels' fast tables)
        return arr(arr), lambda context, builder, signature, args: args[0]
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, signature, args):
        view = context.make_array(arr)(context, builder, value=args[0])
        view.meminfo = cgutils.get_null_value(view.meminfo.type)
        return view._getvalue()

    return arr(arr), codegen
