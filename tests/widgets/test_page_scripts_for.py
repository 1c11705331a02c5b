"""``widgets.page.scripts_for``: a page loads the kit and only its explorers' chapter scripts."""

import pytest

from course_utils.widgets import page


def test_a_page_gets_the_kit_and_the_scripts_of_its_explorers():
    kit = list(page.SCRIPTS[:4])
    assert kit[0] == "downhill-numerics.js" and kit[-1] == "downhill-explorers.js"
    assert page.scripts_for(["momentum", "phase"]) == [*kit, "downhill-ch05.js"]
    assert page.scripts_for(["taylor", "bowl", "taylor"]) == [*kit, "downhill-ch01.js"]
    # in loading order, whatever the order of the names
    assert page.scripts_for(["race", "cliff"]) == [*kit, "downhill-ch04.js", "downhill-ch06.js"]
    assert page.scripts_for([]) == kit


def test_every_page_model_of_the_course_has_a_script():
    from course_utils.widgets.sweep import explorer_factories

    names = set()
    for factory in explorer_factories().values():
        explorer = factory()
        if explorer.page is not None:
            names.add(explorer.page.name)
    assert names == {"taylor", "bowl", "schedule", "cliff", "momentum", "phase", "race"}
    assert set(page.scripts_for(names)) == set(page.SCRIPTS)


def test_an_unknown_explorer_is_named():
    with pytest.raises(ValueError, match=r"no page script registers \['nope'\]"):
        page.scripts_for(["momentum", "nope"])
