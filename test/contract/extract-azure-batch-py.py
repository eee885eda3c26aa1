# Reads the Batch data-plane contract out of Microsoft's TypeSpec-generated Python SDK (PyPI azure-batch),
# without importing it: models (REST wire names, Python types, visibility, format), enums and the path of every
# operation. See SOURCES.md for how this file's output becomes azure-batch-2025-06-01.json.
#
#   python3 extract-azure-batch-py.py <unzipped wheel>/azure/batch > contract.json

import ast
import json
import os
import re
import sys

root = sys.argv[1]


def source(path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read()


def one_line(text):
    return re.sub(r"\s+", " ", text).strip()


def type_text(annotation):
    # The SDK spells model references "_models.X"; the contract names them X ("_enums.X" stays as written).
    return ast.unparse(annotation).replace("_models.", "")


def models_of(tree):
    models = {}
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        fields = []
        for i, st in enumerate(cls.body):
            if not (isinstance(st, ast.AnnAssign) and isinstance(st.value, ast.Call)):
                continue
            if getattr(st.value.func, "id", "") != "rest_field":
                continue
            kw = {k.arg: k.value for k in st.value.keywords}
            field = {
                "rest": ast.literal_eval(kw["name"]) if "name" in kw else st.target.id,
                "type": type_text(st.annotation),
                "visibility": ast.literal_eval(kw["visibility"]) if "visibility" in kw else None,
            }
            after = cls.body[i + 1] if i + 1 < len(cls.body) else None
            doc = after.value.value if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) else ""
            field["doc"] = one_line(doc)[:400]
            if "format" in kw:
                field["format"] = ast.literal_eval(kw["format"])
            fields.append(field)
        first_paragraph = (ast.get_docstring(cls) or "").split("\n\n")[0]
        models[cls.name] = {"doc": one_line(first_paragraph)[:300], "fields": fields}
    return models


def enums_of(tree):
    return {
        cls.name: [
            ast.literal_eval(st.value)
            for st in cls.body
            if isinstance(st, ast.Assign) and isinstance(st.value, ast.Constant)
        ]
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
    }


def operations_of(tree):
    ops = []
    for fn in tree.body:
        if not (isinstance(fn, ast.FunctionDef) and fn.name.startswith("build_batch_") and fn.name.endswith("_request")):
            continue
        url = next(
            ast.literal_eval(st.value)
            for st in ast.walk(fn)
            if isinstance(st, (ast.Assign, ast.AnnAssign))
            and isinstance(st.value, ast.Constant)
            and ast.unparse(st.targets[0] if isinstance(st, ast.Assign) else st.target) == "_url"
        )
        call = next(n for n in ast.walk(fn) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "HttpRequest")
        method = next(ast.literal_eval(k.value) for k in call.keywords if k.arg == "method")
        ops.append({"op": fn.name[len("build_batch_") : -len("_request")], "method": method, "path": url})
    return ops


api_version = re.search(r'api_version: str = kwargs.pop\("api_version", "([^"]+)"\)', source("_configuration.py")).group(1)
version = re.search(r'VERSION = "([^"]+)"', source("_version.py")).group(1)
json.dump(
    {
        "source": f"PyPI azure-batch {version} (TypeSpec-generated, default api-version {api_version}), "
        "models/_models.py, models/_enums.py, _operations/_operations.py, read with ast",
        "apiVersion": api_version,
        "operations": operations_of(ast.parse(source("_operations/_operations.py"))),
        "models": models_of(ast.parse(source("models/_models.py"))),
        "enums": enums_of(ast.parse(source("models/_enums.py"))),
    },
    sys.stdout,
    indent=1,
)
