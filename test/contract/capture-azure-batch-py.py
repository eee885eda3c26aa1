# Runs Microsoft's Python SDK azure-batch against a local HTTPS stub and prints, as JSON, every request it sent
# for the calls below: method, path and query, headers (minus the ones that differ per run or per machine) and
# the body. test/unit/azure/batch-python-parity.test.ts makes the same calls with our client and compares.
#
#   pip install --target pyenv azure-core requests isodate typing_extensions
#   pip download --no-deps azure-batch==15.1.0 && unzip -q azure_batch-15.1.0-py3-none-any.whl -d azure-batch
#   openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=127.0.0.1
#   PYTHONPATH=pyenv:azure-batch python3 capture-azure-batch-py.py cert.pem key.pem > azure-batch-py-15.1.0-requests.json

import datetime
import json
import ssl
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from azure.batch import BatchClient
from azure.batch import models as m
from azure.batch.models import _models as internal
from azure.core import MatchConditions
from azure.core.credentials import AccessToken, AccessTokenInfo

warnings.filterwarnings("ignore")  # connection_verify=False warns on every request

# Per run (request id, token), per machine (user agent, host) or per transport (keep-alive).
VOLATILE = {"authorization", "host", "user-agent", "client-request-id", "connection", "accept-encoding"}
STATUS = {"POST": 202, "DELETE": 202, "PATCH": 200, "GET": 200, "HEAD": 200}
requests = []


class Stub(BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower() not in VOLATILE}
        requests.append(
            {
                "method": self.command,
                "url": self.path,
                "headers": dict(sorted(headers.items())),
                "clientRequestId": bool(self.headers.get("client-request-id")),
                **({"body": json.loads(body)} if body else {}),
            }
        )
        path = self.path.split("?")[0]
        status = 201 if (self.command, path) == ("POST", "/pools") else STATUS[self.command]
        if path.endswith("/updateproperties"):
            status = 204
        out = json.dumps({"id": "p", "value": []}).encode() if self.command == "GET" else b""
        self.send_response(status)
        self.send_header("content-type", "application/json;odata=minimalmetadata")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PATCH = do_DELETE = do_HEAD = answer

    def log_message(self, *args):
        pass


class Credential:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("t", int(time.time()) + 3600)

    def get_token_info(self, *scopes, **kwargs):
        return AccessTokenInfo("t", int(time.time()) + 3600)


server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = tls.wrap_socket(server.socket, server_side=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
c = BatchClient(f"https://127.0.0.1:{server.server_port}", Credential(), connection_verify=False)

when = datetime.datetime(2026, 12, 1, 10, 0, 0, tzinfo=datetime.timezone.utc)
calls = []


def call(name, fn):
    before = len(requests)
    fn()
    calls.append({"call": name, "requests": requests[before:]})


call(
    "createPool",
    lambda: c.create_pool(
        m.BatchPoolCreateOptions(
            id="p",
            vm_size="Standard_D4s_v5",
            virtual_machine_configuration=m.VirtualMachineConfiguration(
                image_reference=m.BatchVmImageReference(virtual_machine_image_id="/subscriptions/s/x"),
                node_agent_sku_id="batch.node.ubuntu 22.04",
                security_profile=m.SecurityProfile(
                    security_type="trustedLaunch",
                    uefi_settings=m.BatchUefiSettings(secure_boot_enabled=True, vtpm_enabled=True),
                ),
            ),
            target_dedicated_nodes=2,
            target_low_priority_nodes=0,
            resize_timeout=datetime.timedelta(minutes=20),
            start_task=m.BatchStartTask(command_line="true", user_identity=m.UserIdentity(username="u")),
            metadata=[m.BatchMetadataItem(name="k", value="v")],
        )
    ),
)
call("getPool", lambda: c.get_pool("p 1", select=["id", "state"], expand=["stats"]))
call("listPools", lambda: list(c.list_pools(filter="startswith(id,'op-')", select=["id", "state"], max_results=5)))
call("poolExists", lambda: c.pool_exists("p"))
call(
    "updatePool",
    lambda: c.update_pool(
        "p",
        m.BatchPoolUpdateOptions(metadata=[m.BatchMetadataItem(name="k", value="v")]),
        etag="0x8D1",
        match_condition=MatchConditions.IfNotModified,
        ocp_date=when,
        service_timeout=30,
    ),
)
call(
    "replacePoolProperties",
    lambda: c.replace_pool_properties(
        "p", m.BatchPoolReplaceOptions(application_package_references=[], metadata=[])
    ),
)
call(
    "resizePool",
    lambda: c._resize_pool_internal(
        "p",
        m.BatchPoolResizeOptions(
            target_dedicated_nodes=3,
            target_low_priority_nodes=0,
            resize_timeout=datetime.timedelta(minutes=15),
            node_deallocation_option="taskcompletion",
        ),
        etag="0x8D2",
        match_condition=MatchConditions.IfNotModified,
    ),
)
call("stopPoolResize", lambda: c._stop_pool_resize_internal("p"))
call("deletePool", lambda: c._delete_pool_internal("p"))
call(
    "removeNodes",
    lambda: c._remove_nodes_internal(
        "p", m.BatchNodeRemoveOptions(node_ids=["tvm-1"], node_deallocation_option="requeue")
    ),
)
call("rebootNode", lambda: c._reboot_node_internal("p", "tvm-1", internal.BatchNodeRebootOptions(node_reboot_kind="requeue")))
call(
    "reimageNode",
    lambda: c._reimage_node_internal("p", "tvm-1", internal.BatchNodeReimageOptions(node_reimage_option="terminate")),
)
call("listPoolNodeCounts", lambda: list(c.list_pool_node_counts(filter="poolId eq 'p'", max_results=10)))
call("listNodes", lambda: list(c.list_nodes("p", filter="state eq 'idle'", select=["id", "state"])))
call("listSupportedImages", lambda: list(c.list_supported_images(filter="osType eq 'linux'")))

json.dump({"sdk": "azure-batch 15.1.0", "calls": calls}, sys.stdout, indent=1)
