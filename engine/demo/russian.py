"""The Russian demo organisation (``reglament demo --language ru``): the same organisation,
regulation and sales as the English demo, read by a Russian team — Russian names of people,
groups (departments), segments and clients, the regulation's names, labels, stages and
documentation in Russian; the organization's language Russian and its time zone Moscow
(Europe/Moscow), which every demo user follows.

The regulation is the shipped ``bpmn/new_client_sale.bpmn`` translated on loading by the tables
below (attribute values and texts that match exactly; ids, expressions and enum ids stay as
they are, so the flow and its conditions are the English demo's); anything the tables do not
know stays English rather than failing.
"""
from __future__ import annotations

import re
from typing import Any

LANGUAGE = "ru"
TIME_ZONE = "Europe/Moscow"

#: departments: the regulation's lanes and candidate groups, the users' groups
GROUPS = {"Sales": "Продажи", "Presales": "Пресейл", "Legal": "Юристы", "Accounting": "Бухгалтерия"}
SEGMENTS = {"Retail": "Розница", "Manufacturing": "Производство", "Public sector": "Госсектор"}
PEOPLE = {
    "head": "Николай Главный", "anna": "Анна Смирнова", "boris": "Борис Иванов", "pavel": "Павел Орлов",
    "lena": "Елена Волкова", "olga": "Ольга Петрова", "alex": "Алексей Аналитиков", "admin": "Администратор",
}
#: the English demo's clients, in the same order
CLIENTS = (
    "Альфа Ритейл", "Бета Продукты", "Гамма Сталь", "Дельта Логистик", "Аптеки Эпсилон",
    "Зета Моторс", "Эта Текстиль", "Тета Банк", "Городская больница «Йота»", "Каппа Мебель",
    "Лямбда Энерго", "Администрация Мю-района", "Пекарня «Ню»", "Кси Химия", "Книжный «Омикрон»",
    "Пи Строй", "Молочный завод «Ро»", "Сигма Электроника", "Школа № 5 «Тау»", "Гостиницы «Ипсилон»",
    "Бумажная фабрика «Фи»", "Хи Телеком", "Клиника «Пси»", "Супермаркеты «Омега»", "Вега Инструмент",
    "Орион Пластик", "Лира Косметикс", "Водоканал «Альтаир»", "Кофейни «Сириус»", "Стекольный завод «Полярис»",
)
#: industry, region, size, source of each client above (size and source are the stored codes)
DETAILS = (
    ("розница", "Москва"), ("продукты питания", "Санкт-Петербург"), ("металлургия", "Челябинск"),
    ("логистика", "Новосибирск"), ("аптеки", "Казань"), ("машиностроение", "Тольятти"),
    ("текстиль", "Иваново"), ("финансы", "Москва"), ("здравоохранение", "Екатеринбург"),
    ("производство", "Калининград"), ("энергетика", "Сургут"), ("госуправление", "Тверь"),
    ("продукты питания", "Тула"), ("химия", "Дзержинск"), ("розница", "Санкт-Петербург"),
    ("строительство", "Краснодар"), ("продукты питания", "Вологда"), ("розница", "Москва"),
    ("образование", "Самара"), ("гостиницы", "Сочи"), ("производство", "Архангельск"),
    ("связь", "Нижний Новгород"), ("здравоохранение", "Ростов-на-Дону"), ("розница", "Воронеж"),
    ("машиностроение", "Пермь"), ("пластмассы", "Уфа"), ("розница", "Москва"), ("госуправление", "Омск"),
    ("продукты питания", "Красноярск"), ("производство", "Саратов"),
)
CONTACT_PEOPLE = (
    ("Мария Кузнецова", "Руководитель закупок"), ("Дмитрий Соколов", "Коммерческий директор"),
    ("Елена Попова", "Финансовый директор"), ("Сергей Лебедев", "ИТ-директор"),
    ("Ольга Новикова", "Руководитель отдела продаж"), ("Иван Морозов", "Главный инженер"),
)
#: texts the demo's scenarios type into forms
FORM_TEXTS = {"Maria": "Мария", "Ivan": "Иван", "CRM roll-out": "Внедрение CRM",
              "Focus on reporting": "Упор на отчётность", "No budget this year": "Нет бюджета в этом году",
              "Chose a competitor": "Выбрали конкурента"}

#: the regulation: names, labels, flow names and stage values that match exactly
REGULATION: dict[str, str] = {
    **GROUPS,
    "New client sale": "Продажа новому клиенту",
    "Qualification call": "Квалификационный звонок", "Prepare demo": "Подготовить демонстрацию",
    "Hold presentation": "Провести презентацию", "Send commercial proposal": "Отправить коммерческое предложение",
    "Negotiate terms": "Согласовать условия", "Review contract": "Проверить договор",
    "Sign contract": "Подписать договор", "Issue invoice": "Выставить счёт", "Confirm payment": "Подтвердить оплату",
    "Issue invoice in accounting's system": "Выставить счёт в учётной системе",
    "Accounting's system": "Учётная система", "Accounting, by hand": "Бухгалтерия, вручную",
    "Client assigned": "Клиент назначен", "Sale won": "Продажа состоялась",
    "Lost at qualification": "Отказ на квалификации", "Lost at presentation": "Отказ на презентации",
    "Lost at negotiation": "Отказ на переговорах", "Lost at contract": "Отказ на договоре",
    "Lost: client silent": "Отказ: клиент молчит", "30 days silent": "30 дней молчания",
    "Reminder: make the first call": "Напоминание: сделать первый звонок", "Reminder done": "Напоминание отправлено",
    "Escalation: first call overdue": "Эскалация: первый звонок просрочен", "Escalation handled": "Эскалация отработана",
    "1 day": "1 день", "3 days": "3 дня", "Payment received": "Оплата получена",
    "Qualified?": "Квалифицирован?", "Interested?": "Интерес есть?", "Agreed?": "Согласовано?",
    "Approved?": "Одобрен?", "Signed?": "Подписан?",
    "Qualified": "Квалифицирован", "Interested": "Интерес есть", "Agreed": "Согласовано", "Approved": "Одобрен",
    "Signed": "Подписан", "Refused": "Отказ", "Not approved": "Не одобрен",
    "Signed, invoice by the system": "Подписан, счёт выставит система",
    "Client is interested": "Клиент заинтересован", "Client refused": "Клиент отказался",
    "Terms agreed": "Условия согласованы", "Contract signed": "Договор подписан",
    # form field labels
    "Contact person": "Контактное лицо", "Budget": "Бюджет", "Need": "Потребность", "Result": "Результат",
    "Loss reason (if refused)": "Причина отказа (если отказ)", "Demo date": "Дата демонстрации",
    "Demo notes": "Заметки к демонстрации", "Deal amount": "Сумма сделки", "Discount, %": "Скидка, %",
    "Proposal document": "Коммерческое предложение (файл)", "Contract number": "Номер договора",
    "Contract approved": "Договор одобрен", "Contract (reviewed)": "Договор (проверенный)",
    "Invoice number": "Номер счёта", "Invoice issued by": "Кто выставил счёт", "Paid amount": "Оплаченная сумма",
    "Payment date": "Дата оплаты", "Decision": "Решение", "Note": "Заметка",
    # stages and an end event's loss reason
    "Qualification": "Квалификация", "Presentation": "Презентация", "Proposal": "Предложение",
    "Negotiation": "Переговоры", "Contract": "Договор", "Payment": "Оплата",
    "Client silent for 30 days after the proposal": "Клиент молчит 30 дней после предложения",
}
DOCUMENTATION = {
    "Call {{ client_name }}: confirm the contact person, budget and need. Record whether the client is "
    "qualified; if the client refuses, state the reason.":
        "Позвоните в {{ client_name }}: уточните контактное лицо, бюджет и потребность. Отметьте, "
        "квалифицирован ли клиент; если клиент отказался, укажите причину.",
    "Prepare a product demo for {{ client_name }} based on the need found at qualification and agree on the "
    "demo date.":
        "Подготовьте демонстрацию продукта для {{ client_name }} по потребности, выявленной на квалификации, "
        "и согласуйте дату.",
    "Present the solution to {{ client_name }} together with presales and record whether the client is "
    "interested.":
        "Представьте решение {{ client_name }} вместе с пресейлом и отметьте, есть ли интерес.",
    "Prepare and send a commercial proposal to {{ client_name }}. Enter the deal amount and the discount "
    "offered.":
        "Подготовьте и отправьте коммерческое предложение {{ client_name }}. Укажите сумму сделки и скидку.",
    "Discuss the proposal with {{ client_name }} and agree on the terms (price, discount, schedule). If legal "
    "returned the contract, resolve their remarks.":
        "Обсудите предложение с {{ client_name }} и согласуйте условия (цена, скидка, сроки). Если юристы "
        "вернули договор, снимите их замечания.",
    "Review the contract with {{ client_name }} on the agreed terms. Enter the contract number and approve it "
    "or return it for renegotiation.":
        "Проверьте договор с {{ client_name }} на согласованных условиях. Укажите номер договора и одобрите "
        "его или верните на доработку.",
    "Get the approved contract signed by {{ client_name }} and record the result.":
        "Подпишите одобренный договор с {{ client_name }} и отметьте результат.",
    "Issue an invoice to {{ client_name }} for the contract amount and send it to the client.":
        "Выставьте {{ client_name }} счёт на сумму договора и отправьте его клиенту.",
    "Check that {{ client_name }} has paid the invoice and enter the paid amount and the payment date.":
        "Проверьте, что {{ client_name }} оплатил счёт, и укажите сумму и дату оплаты.",
}
_ATTRIBUTE = re.compile(r'\b(name|label|candidateGroups)="([^"]*)"')
_STAGE_VALUE = re.compile(r'(<camunda:property name="(?:stage|loss_reason)" value=")([^"]*)(")')
_STAGES = re.compile(r'(<camunda:property name="stages" value=")([^"]*)(")')
_DOC = re.compile(r"(<bpmn:documentation>)([^<]*)(</bpmn:documentation>)")


def _one(text: str) -> str:
    return REGULATION.get(text, text)


def regulation_xml(xml: str) -> str:
    """The demo regulation with its names, labels, groups, stages and documentation in Russian."""
    xml = _ATTRIBUTE.sub(lambda m: f'{m.group(1)}="{_one(m.group(2))}"', xml)
    xml = _STAGE_VALUE.sub(lambda m: m.group(1) + _one(m.group(2)) + m.group(3), xml)
    xml = _STAGES.sub(lambda m: m.group(1) + ",".join(_one(s) for s in m.group(2).split(",")) + m.group(3), xml)
    return _DOC.sub(lambda m: m.group(1) + DOCUMENTATION.get(" ".join(m.group(2).split()), m.group(2)) + m.group(3),
                    xml)


def user(login: str, name: str, groups: list[str]) -> tuple[str, list[str]]:
    """A demo user's Russian name and groups."""
    return PEOPLE.get(login, name), [GROUPS.get(g, g) for g in groups]


def form_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: FORM_TEXTS.get(v, v) if isinstance(v, str) else v for k, v in values.items()}


#: the demo's planned contacts, their results, notes and teams
TEXTS = {
    "Follow up on the proposal": "Узнать решение по предложению", "Site visit with the engineer": "Выезд с инженером",
    "Check the budget approval": "Проверить, утверждён ли бюджет", "Send the reference list": "Отправить список референсов",
    "Remind about the contract draft": "Напомнить о проекте договора", "Agree the demo date": "Согласовать дату демонстрации",
    "Lunch with the purchasing manager": "Обед с руководителем закупок",
    "Show the reporting module": "Показать модуль отчётности", "Quarterly check-in": "Ежеквартальный созвон",
    "Interested; wants prices for 50 seats": "Интересно; просят цены на 50 мест",
    "Asked to call back after the board meeting": "Просили перезвонить после совета директоров",
    "Budget approved, waiting for the purchase order": "Бюджет утверждён, ждём заявку на закупку",
    "Sent the documents they asked for": "Отправили запрошенные документы",
    "Met the new IT director; positive": "Встретились с новым ИТ-директором; настрой положительный",
    "Budget is approved in January; decisions go through the board.":
        "Бюджет утверждают в январе; решения принимает совет директоров.",
    "Prefers calls after 14:00 Yekaterinburg time.": "Просит звонить после 14:00 по Екатеринбургу.",
    "Security review needed before any pilot.": "Перед пилотом нужна проверка службы безопасности.",
    "Retail team": "Команда розницы", "Industry team": "Команда производства", "Family trip": "Семейная поездка",
}


def text(value: str, language: str) -> str:
    """A demo text in the demo's language."""
    return TEXTS.get(value, REGULATION.get(value, value)) if language == LANGUAGE else value


def client_name(english: str, english_names: tuple[str, ...], language: str) -> str:
    """A demo client's name in the demo's language (by its place in the English list)."""
    if language != LANGUAGE or english not in english_names:
        return english
    return CLIENTS[english_names.index(english)]
