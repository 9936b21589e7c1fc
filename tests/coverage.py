"""Permission matrices that must cover every API operation and page.

`tests/test_api_permissions.py` and `tests/test_pages_permissions.py` hold the
step-1 matrices. A test module that covers further operations or pages with a
permission matrix of its own declares them, and the coverage tests add them up:

    COVERED_API_OPERATIONS = {("post", "/api/v1/claims"), ...}   # method lower-case, full path as in OpenAPI
    COVERED_PAGES = {"my_claims", ...}                            # URL names
"""

import importlib
from pathlib import Path


def covered_elsewhere(attribute: str) -> set:
    covered = set()
    root = Path(__file__).parent
    for path in sorted(root.rglob("test_*.py")):
        module = importlib.import_module(".".join(("tests", *path.relative_to(root).with_suffix("").parts)))
        covered |= set(getattr(module, attribute, ()))
    return covered
