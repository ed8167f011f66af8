"""Start-up: the garbage collector rests while the libraries load, and what they made is frozen."""
import gc

from nanobragg_nb.startup import quiet_collector


def test_quiet_collector_pauses_collection_and_freezes_what_loaded():
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with quiet_collector():
            assert not gc.isenabled()
            made = [[i] for i in range(1000)]        # container objects: tracked by the collector
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(made)
    finally:
        gc.unfreeze()


def test_quiet_collector_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with quiet_collector():
            pass
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
