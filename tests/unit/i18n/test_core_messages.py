"""Messages of the features (outside cli/) speak Chinese under a zh_CN locale, with their
values in place, and the texts conda asks for while loading its settings are translated
from the locale alone."""

from __future__ import annotations

import time

import pytest

from conda_tuna import i18n
from conda_tuna.archcheck.check import machine_note
from conda_tuna.mirrors.sync import format_age, report
from conda_tuna.pypi.envpackages import PythonDist
from conda_tuna.pypi.guard import pip_packages_warning


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    i18n.reset()
    yield
    i18n.reset()


def test_feature_messages_in_chinese(chinese):
    assert machine_note("linux-aarch64", "linux-64") == (
        "机器架构 aarch64，由 --platform/CONDA_SUBDIR 指定；本机是 x86_64（linux-64）")
    assert format_age(5.2) == "5.2 小时"
    job = {"name": "anaconda", "status": "paused", "last_update_ts": int(time.time()) - 60,
           "last_ended_ts": int(time.time()) - 60}
    assert "anaconda：镜像已暂停同步" in report([job], jobs=("anaconda",))["warnings"]


def test_plural_and_placeholders(chinese, tmp_path):
    dists = [PythonDist("tunapip", "1.0", "pip", tmp_path)]
    text = pip_packages_warning("/envs/lab", "install", dists, strict=False)
    assert text.startswith("conda-tuna：警告：正在对 /envs/lab 运行 `conda install`，该环境中有 "
                           "1 个通过 pip 安装的包：tunapip 1.0。")


def test_english_by_default():
    assert format_age(5.2) == "5.2 h"


def test_setting_descriptions_follow_the_locale_without_conda(monkeypatch):
    from conda_tuna.plugin import _early

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert _early("Windows on ARM64") == "ARM64 上的 Windows"
    monkeypatch.setenv(i18n.SETTING_ENV, "en")
    assert _early("Windows on ARM64") == "Windows on ARM64"
