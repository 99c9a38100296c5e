"""The public docstrings follow numpydoc, with every parameter in order."""

import inspect

import pytest
from fast_configs import CONFIGS, NAMES

numpydoc_validation = pytest.importorskip("numpydoc.validate")

# Parameters documented, in signature order, with types and descriptions;
# a summary line. Named returns ("labels : ndarray") are the house style, as
# in scikit-learn, so RT02 is not checked; nor are See Also and Examples on
# every method.
CHECKED = {
    "GL08",  # the object has a docstring
    "SS01",
    "SS02",
    "SS03",
    "PR01",  # every parameter documented
    "PR02",  # no unknown parameter documented
    "PR03",  # in the signature's order
    "PR06",
    "PR07",
    "PR08",
    "PR09",
    "PR10",
    "RT01",
}


def _public_objects():
    for name in NAMES:
        Estimator = CONFIGS[name][0]
        yield f"skdeepclust.{name}"
        for method_name, method in inspect.getmembers(Estimator, callable):
            defined_in = getattr(method, "__module__", "") or ""
            if not method_name.startswith("_") and defined_in.startswith("skdeepclust"):
                yield f"skdeepclust.{name}.{method_name}"


# The public functions and classes of the other modules on the API pages.
MODULES = ["cluster_metrics", "datasets", "base", "report", "stdac", "inspection"]


def _public_functions():
    import importlib

    for module_name in MODULES:
        module = importlib.import_module(f"skdeepclust.{module_name}")
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and name not in NAMES:
                yield f"skdeepclust.{module_name}.{name}"


@pytest.mark.parametrize(
    "qualified_name", list(_public_objects()) + list(_public_functions())
)
def test_docstring_is_valid_numpydoc(qualified_name):
    result = numpydoc_validation.validate(qualified_name)
    errors = [(code, msg) for code, msg in result["errors"] if code in CHECKED]
    assert not errors, errors
