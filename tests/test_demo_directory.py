"""The demo directory: seed 000's units and people, with the ids the demo's initiatives and council use, and
one person for every role."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_directory.adapters.spreadsheet import read_spreadsheet
from reform_directory.domain.directory import decide
from reform_directory.domain.importing import plan_import
from reform_node.demo import DEMO_COMMUNES, demo_commune
from reform_node.demo_directory import DEMO_ACCOUNTS, officials_csv
from reform_shared.auth.tokens import CITY_ROLES, ROLES
from reform_shared.directory_view import DirectoryView
from reform_shared.events.directory import UnitAdded, UnitEntry

pytestmark = pytest.mark.domain

JAN = dt.date(2026, 1, 1)


@pytest.mark.parametrize("commune", list(DEMO_COMMUNES))
def test_the_demo_directory_imports_whole_with_one_person_per_role(commune: str) -> None:
    demo = demo_commune(commune)
    units = DirectoryView.fold([UnitAdded(effective=JAN, unit=UnitEntry(unit_id=u["unit_id"], name=u["name"]))
                                for u in demo.units])
    plan = plan_import(units, read_spreadsheet(officials_csv(demo)), commune_id=commune, effective=JAN,
                       import_id="demo")
    view = units.applied(decide(units, plan.command))
    held = {role for o in view.officials(JAN) for role in view.effective_roles(o.official_id, JAN)}
    assert held == set(ROLES) - CITY_ROLES
    people = {o.official_id for o in view.officials()}
    assert {m["user_id"] for m in demo.council["members"]} <= people
    assert {a["user_id"] for i in demo.initiatives for a in i["authors"]} <= people
    assert view.head_of(demo.units[-1]["unit_id"], JAN) == f"truong-{demo.units[-1]['unit_id']}"
    if commune == "ninh-giang":
        assert all(role in view.effective_roles(person, JAN) for role, person in DEMO_ACCOUNTS.items())
        assert view.head_of("vh-xh", JAN) == "do-minh"


def test_the_citys_demo_directory_imports_whole_with_one_person_per_city_role() -> None:
    from reform_node.demo_city_directory import CITY_ACCOUNTS, CITY_UNITS, city_csv

    units = DirectoryView.fold([UnitAdded(effective=JAN, unit=UnitEntry(**unit)) for unit in CITY_UNITS])
    plan = plan_import(units, read_spreadsheet(city_csv()), commune_id="city", effective=JAN, import_id="demo")
    view = units.applied(decide(units, plan.command))
    held = {role for o in view.officials(JAN) for role in view.effective_roles(o.official_id, JAN)}
    assert CITY_ROLES | {"operator", "administrator"} <= held
    assert all(role in view.effective_roles(person, JAN) for role, person in CITY_ACCOUNTS.items())
    assert view.head_of("so-noi-vu", JAN) == "pham-thi-mai-anh"
