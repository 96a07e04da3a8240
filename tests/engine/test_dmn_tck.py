"""The DMN TCK, compliance level 2 (tests/fixtures/dmn-tck), run with Reglament's own evaluator:
every model loads, every result node is evaluated and compared with the expected value."""
from __future__ import annotations

from dmn_tck import TCK, figure, run_all, run_folder

#: the figure reached (of 126 result nodes); the test fails when fewer pass
MINIMUM_PASSING = 126


def test_the_vendored_level_2_cases_are_all_there() -> None:
    folders = sorted(p.name for p in TCK.iterdir() if p.is_dir())
    assert len(folders) == 28 and folders[0] == "0001-input-data-string" and folders[-1] == "0119-multi-collect-hitpolicy"
    assert (TCK / "LICENSE-ASL-2.0.txt").is_file() and (TCK / "README.md").is_file()
    assert len(run_all()) == 126


def test_dmn_tck_compliance_level_2() -> None:
    outcomes = run_all()
    failing = [o.line() for o in outcomes if not o.passed]
    print(figure(outcomes))
    assert len(outcomes) - len(failing) >= MINIMUM_PASSING, f"{figure(outcomes)}; failing:\n" + "\n".join(failing)


def test_a_wrong_expected_value_is_reported_as_failing(tmp_path) -> None:
    """The runner can fail: a copy of a case whose expected greeting is changed does not pass."""
    source = TCK / "0001-input-data-string"
    copy = tmp_path / source.name
    copy.mkdir()
    (copy / "0001-input-data-string.dmn").write_bytes((source / "0001-input-data-string.dmn").read_bytes())
    test = (source / "0001-input-data-string-test-01.xml").read_text(encoding="utf-8")
    (copy / "0001-input-data-string-test-01.xml").write_text(test.replace("Hello John Doe", "Hi John Doe"),
                                                             encoding="utf-8")
    [outcome] = run_folder(copy)
    assert not outcome.passed
    assert outcome.line() == ('0001-input-data-string/0001-input-data-string-test-01.xml#001/Greeting Message: '
                              'expected "Hi John Doe", got "Hello John Doe"')
