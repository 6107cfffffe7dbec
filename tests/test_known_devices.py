"""Which device a model number or name is (extract/candidates/known_devices.py), against the
devices a build knows and the gazetteer: no build needed."""

from __future__ import annotations

from msakb.extract.candidates.known_devices import KnownDevices
from msakb.knowledge.gazetteer import load_gazetteer
from tests.kbtools import KB

DEVICES = [  # as the seeds' parsers write them
    {"id": "tesla-backup-switch-1624171-xx-y", "manufacturer": "Tesla", "product": "Backup Switch", "model": "1624171-xx-y"},
    {"id": "enphase-mc-200-011-v01", "manufacturer": "Enphase", "product": None, "model": "MC-200-011-V01"},
    {"id": "connectder-ev", "manufacturer": "ConnectDER", "product": "ConnectDER EV meter socket adapter", "is_family": 1},
    {"id": "connectder-ev-v1-0-e-b-4-22-60-125", "manufacturer": "ConnectDER", "product": "EV V1.0",
     "model": "E-B-4-22-60-125", "family_id": "connectder-ev"},
    {"id": "sigen-backup-switch", "manufacturer": "Sigen", "product": "Backup Switch", "is_family": 1},
]


def resolve(name=None, maker=None, product=None, model=None, alias=None):
    known = KnownDevices(DEVICES, load_gazetteer(str(KB / "gazetteer")))
    return known.resolve({"name": name or model, "maker": maker, "product": product, "model": model, "alias": alias})


def test_a_model_number_resolves_to_its_device():
    assert resolve(model="MC-200-011-V01") == ("enphase-mc-200-011-v01", None)
    assert resolve(name="EV V1.0 E-B-4-22-60-125", product="EV V1.0", model="E-B-4-22-60-125") == (
        "connectder-ev-v1-0-e-b-4-22-60-125", None)
    # a model written with placeholders stands for its variants
    assert resolve(model="1624171-00-J", maker="Tesla") == ("tesla-backup-switch-1624171-xx-y", None)
    assert resolve(model="1624171-00") == (None, None)


def test_a_family_name_in_front_of_a_model_makes_a_new_member():
    assert resolve(name="Sigen Backup Switch SBS-200-US", maker="Sigen", product="Backup Switch", model="SBS-200-US") == (
        "sigen-backup-switch-sbs-200-us", {"id": "sigen-backup-switch-sbs-200-us", "manufacturer": "Sigen",
                                           "product": "Backup Switch", "model": "SBS-200-US", "family_id": "sigen-backup-switch"})
    # a gazetteer family's member pattern (ConnectDER Solar: C-B-...)
    assert resolve(model="C-B-5-22-80") == (
        "connectder-c-b-5-22-80", {"id": "connectder-c-b-5-22-80", "manufacturer": "ConnectDER",
                                   "product": "ConnectDER Solar Meter Socket Adapter", "model": "C-B-5-22-80",
                                   "family_id": "connectder-solar"})


def test_an_alias_is_its_device_and_an_unknown_model_needs_a_maker():
    assert resolve(name="Tesla Backup Switch", alias="tesla-backup-switch-1624171-xx-y") == (
        "tesla-backup-switch-1624171-xx-y", None)
    assert resolve(name="Lunar Energy LBS-200-01", maker="Lunar Energy", model="LBS-200-01") == (
        "lunar-energy-lbs-200-01", {"id": "lunar-energy-lbs-200-01", "manufacturer": "Lunar Energy", "model": "LBS-200-01"})
    assert resolve(model="XYZ-100-2") == (None, None)
