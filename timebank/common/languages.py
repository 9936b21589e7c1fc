"""Language codes and names, from Django's own table of languages."""

from django.conf.locale import LANG_INFO

LANGUAGE_NAMES: dict[str, str] = {
    code: info["name"] for code, info in LANG_INFO.items() if "name" in info and "-" not in code
}
# Languages common among the families these programmes support that Django's table lacks.
LANGUAGE_NAMES.update({"so": "Somali", "ti": "Tigrinya", "ps": "Pashto", "ku": "Kurdish", "am": "Amharic"})


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def language_choices() -> list[tuple[str, str]]:
    return sorted(LANGUAGE_NAMES.items(), key=lambda item: item[1])
