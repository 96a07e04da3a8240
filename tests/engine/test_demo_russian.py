"""The Russian demo (`reglament demo --language ru`, issue 16): a Russian team finds a Russian
product — people, clients, the regulation's tasks, labels and stages in Russian, every user in
Russian and Moscow time."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from engine.demo import russian
from engine.demo.loader import BPMN_DIR, CLIENTS
from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from storage.db import Database
from web.cli import main

DEMO_BPMN = BPMN_DIR / "new_client_sale.bpmn"


def test_the_regulation_reads_in_russian_and_runs_as_the_english_one(platform: Reglament, actors) -> None:
    xml = russian.regulation_xml(DEMO_BPMN.read_text(encoding="utf-8"))
    assert 'id="Task_QualificationCall" name="Квалификационный звонок"' in xml
    assert 'value="Квалификация,Презентация,Предложение,Переговоры,Договор,Оплата"' in xml
    assert "${result == 'refused'}" in xml, "conditions keep the enum ids"
    head, anna = actors["head"], actors["anna"]
    assert platform.regulation.deploy(head, [SourceFile("new_client_sale.bpmn", xml.encode())]).version == 2
    client = platform.clients.create_client(anna, "Ромашка")
    cycle = platform.regulation.start_cycle(anna, client.id, "new_client_sale")
    [(task, fields)] = platform.regulation.inbox(anna, cycle_id=cycle.id, with_forms=True)
    assert (task.name, task.stage) == ("Квалификационный звонок", "Квалификация")
    assert [f.label for f in fields] == ["Контактное лицо", "Бюджет", "Потребность", "Результат",
                                         "Причина отказа (если отказ)"]
    assert dict(fields[3].options) == {"qualified": "Квалифицирован", "refused": "Клиент отказался"}
    assert platform.regulation.task_documentation(task, {"client_name": "Ромашка"}).startswith(
        "Позвоните в Ромашка: уточните контактное лицо")
    done = platform.regulation.complete_task(anna, task.id, {"contact_person": "Мария", "result": "qualified"})
    assert done.stage == "Презентация"
    [demo] = platform.regulation.cycle_page(head, cycle.id).open_tasks
    assert (demo.name, demo.candidate_groups) == ("Подготовить демонстрацию", ("Пресейл",))


def test_reglament_demo_language_ru_loads_a_russian_organisation(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'ru.db'}"
    monkeypatch.setenv("REGLAMENT_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["demo", "--language", "ru"])
    assert result.exit_code == 0, result.output
    platform = Reglament(Database(url), "test-secret")
    users = {a.login: a for a in platform.accounts.users()}
    assert users["anna"].name == "Анна Смирнова" and users["pavel"].groups == frozenset({"Пресейл"})
    assert {(a.locale, a.timezone) for a in users.values()} == {("ru", "Europe/Moscow")}
    names = {c.name for c in platform.clients.clients(users["head"])}
    assert set(russian.CLIENTS) <= names and not names & set(CLIENTS)
    assert not [n for n in names if n.isascii()], "no English client names"
    tasks = [t for t, _ in platform.regulation.inbox(users["anna"])]
    assert tasks and all(not t.name.isascii() for t in tasks)
    assert {t.stage for t in tasks} <= set(russian.REGULATION.values())
    assert any(t.name == "Квалификационный звонок" for t in tasks)
