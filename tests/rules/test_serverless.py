"""Serverless handlers (AWS Lambda, Google Cloud Functions, Azure Functions) as entry points:
clients built per invocation (TTP311), WorkflowContext without the request's id (TTP201), and
TTP105 outbound-timeout-not-below-function-timeout with the timeouts of serverless.yml and SAM
templates, followed through the call graph."""

from __future__ import annotations

from ttaprod.models import Report

from ..helpers import run_check
from ..helpers import rows as rows_of


def _rows(project, files: dict[str, str], *codes: str) -> list[tuple[str, int, str]]:
    report: Report = run_check(project(files), select=codes)
    return [(path, line, rule) for path, line, rule, _ in rows_of(report, codes)]


def test_cloud_functions_and_azure_functions_are_entry_points(project) -> None:
    files = {
        "app/functions.py": """
        import azure.functions as func
        import functions_framework as ff
        import httpx
        from ttadev.primitives import WorkflowContext


        @ff.http
        def gcp(request):
            client = httpx.Client(timeout=5)
            ctx = WorkflowContext(workflow_id="x")
            return client.get("https://api.example.com").text


        @ff.cloud_event
        def on_event(cloud_event):
            ctx = WorkflowContext(correlation_id=cloud_event["id"])
            return ctx


        def main(req: func.HttpRequest) -> func.HttpResponse:
            ctx = WorkflowContext(correlation_id=req.headers.get("traceparent", "none"))
            return func.HttpResponse("ok")


        app = func.FunctionApp()


        @app.route(route="items")
        def items(req: func.HttpRequest) -> func.HttpResponse:
            ctx = WorkflowContext()
            return func.HttpResponse("ok")


        def helper(request):
            return WorkflowContext()  # not an entry point: not judged as a handler
        """
    }
    assert _rows(project, files, "TTP201", "TTP311") == [
        ("app/functions.py", 9, "TTP311"),
        ("app/functions.py", 10, "TTP201"),
        ("app/functions.py", 30, "TTP201"),
    ]


def test_lambda_handler_with_the_request_id_and_module_level_clients_is_quiet(project) -> None:
    files = {
        "app/handler.py": """
        import boto3
        from ttadev.primitives import WorkflowContext

        s3 = boto3.client("s3")


        def handler(event, context):
            ctx = WorkflowContext(correlation_id=context.aws_request_id)
            return s3.get_object(Bucket="b", Key=ctx.correlation_id)
        """
    }
    assert _rows(project, files, "TTP201", "TTP311") == []


HANDLER = """
import httpx

from app.clients import notify

client = httpx.Client(timeout=20.0)


def main(event, context):
    httpx.get("https://api.example.com/a", timeout=4)
    notify(event)
    return client.get("https://api.example.com/b").text


def not_a_function(event, context):
    return httpx.get("https://api.example.com/c", timeout=300)
"""
CLIENTS = """
import requests


def notify(event):
    requests.post("https://hooks.example.com", json=event, timeout=(3.05, 27))
    requests.post("https://hooks.example.com/slow", json=event, timeout=10)
"""


def test_calls_reached_from_a_serverless_yml_function(project) -> None:
    files = {
        "app/handler.py": HANDLER,
        "app/clients.py": CLIENTS,
        "serverless.yml": """
        service: s
        provider:
          name: aws
          timeout: 10
        functions:
          first:
            handler: app/handler.main
        """,
    }
    # the module-level client (20 s) and notify()'s 10 s call, not the 4 s one; a tuple
    # timeout is not a literal number; not_a_function() is no configured function's
    assert _rows(project, files, "TTP105") == [
        ("app/clients.py", 6, "TTP105"),
        ("app/handler.py", 5, "TTP105"),
    ]


RESOURCES = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: handler.main
      CodeUri: app/
      Role: !GetAtt FnRole.Arn
"""


def test_sam_template_timeouts_and_defaults(project) -> None:
    files = {"app/handler.py": HANDLER, "app/clients.py": CLIENTS}
    globals_ = "Globals:\n  Function:\n    Timeout: 60\n"
    assert _rows(project, {**files, "template.yaml": globals_ + RESOURCES}, "TTP105") == []
    found = _rows(project, {**files, "template.yaml": RESOURCES}, "TTP105")
    assert ("app/handler.py", 9, "TTP105") in found  # 4 s is not under Lambda's default 3 s
