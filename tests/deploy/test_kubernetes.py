"""deploy.kubernetes: TTP521–TTP526 both ways, autoscalers across files, templates, TTP590."""

from __future__ import annotations

from pathlib import Path

from ttaprod.models import Status

from .helpers import item, report, rows

GOOD = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
      namespace: prod
    spec:
      replicas: 3
      template:
        spec:
          securityContext:
            runAsNonRoot: true
          containers:
            - name: api
              image: registry.example.com/api:1.4.2
              env:
                - name: OPENAI_API_KEY
                  valueFrom:
                    secretKeyRef: {name: api, key: openai}
              resources:
                requests: {cpu: 250m, memory: 256Mi}
                limits: {memory: 512Mi}
              readinessProbe: {httpGet: {path: /health, port: 8000}}
              livenessProbe: {httpGet: {path: /livez, port: 8000}}
"""


def test_a_good_deployment_passes_with_evidence(tmp_path: Path) -> None:
    result = report(tmp_path, {"k8s/deployment.yaml": GOOD})
    assert rows(result) == []
    k8s = item(result, "deploy.kubernetes")
    assert (k8s.status, k8s.score, k8s.covered, k8s.total) == (Status.PASS, 10.0, 6, 6)
    notes = {e.note: e.line for e in k8s.evidence}
    assert notes == {
        "api: requests and limits": 19,
        "api: liveness and readiness probes": 22,
        "api: image registry.example.com/api:1.4.2": 14,
        "api: runAsNonRoot": 11,
        "api: OPENAI_API_KEY from secretKeyRef": 17,
    }  # five: evidence is capped at tally.MAX_EVIDENCE per item


def test_every_kubernetes_rule_at_its_line(tmp_path: Path) -> None:
    bad = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: worker
        spec:
          template:
            spec:
              initContainers:
                - name: migrate
                  image: registry.example.com/migrate
                  securityContext: {runAsNonRoot: true}
              containers:
                - name: worker
                  image: registry.example.com/worker:latest
                  resources:
                    requests: {cpu: 100m}
                  readinessProbe: {exec: {command: ["true"]}}
                  env:
                    - name: DB_PASSWORD
                      value: hunter2-very-secret
                    - name: LOG_LEVEL
                      value: info
    """
    result = report(tmp_path, {"k8s/worker.yaml": bad})
    assert rows(result) == [
        ("k8s/worker.yaml", 2, "TTP525", "medium"),
        ("k8s/worker.yaml", 10, "TTP523", "medium"),
        ("k8s/worker.yaml", 13, "TTP522", "medium"),
        ("k8s/worker.yaml", 13, "TTP524", "medium"),
        ("k8s/worker.yaml", 14, "TTP523", "medium"),
        ("k8s/worker.yaml", 15, "TTP521", "medium"),
        ("k8s/worker.yaml", 20, "TTP526", "high"),
    ]
    messages = {f.rule: f.message for f in result.findings}
    assert messages["TTP521"] == "container `worker` of StatefulSet worker sets no resource limits"
    assert messages["TTP522"] == "container `worker` of StatefulSet worker has no livenessProbe"
    k8s = item(result, "deploy.kubernetes")
    assert (k8s.status, k8s.covered, k8s.total) == (Status.FAIL, 0, 6)


def test_container_security_context_wins_over_the_pod(tmp_path: Path) -> None:
    manifest = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent}
        spec:
          template:
            spec:
              securityContext: {runAsNonRoot: true}
              containers:
                - name: agent
                  image: example/agent:2.0
                  securityContext: {runAsNonRoot: false}
                - name: root-user
                  image: example/agent:2.0
                  securityContext: {runAsUser: 0}
                - name: fine
                  image: example/agent:2.0
    """
    result = report(tmp_path, {"agent.yaml": manifest}, select=("TTP524", "TTP525"))
    assert rows(result) == [
        ("agent.yaml", 11, "TTP524", "medium"),
        ("agent.yaml", 14, "TTP524", "medium"),
    ]
    assert item(result, "deploy.kubernetes").total == 1  # a DaemonSet has no replicas practice


def test_autoscalers_are_matched_across_files_by_kind_name_and_namespace(tmp_path: Path) -> None:
    deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %s, namespace: prod}
        spec:
          replicas: 1
          template:
            spec:
              containers: [{name: app, image: "example/app:1.0"}]
    """
    files = {
        "k8s/api.yaml": deployment % "api",
        "k8s/web.yaml": deployment % "web",
        "k8s/jobs.yaml": deployment % "jobs",
        "k8s/hpa.yaml": """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: api}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
              minReplicas: 2
              maxReplicas: 5
            ---
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata: {name: web, namespace: prod}
            spec:
              scaleTargetRef: {name: web}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: jobs, namespace: staging}
            spec:
              scaleTargetRef: {kind: Deployment, name: jobs}
        """,
    }
    result = report(tmp_path, files, select=("TTP525",))
    assert rows(result) == [("k8s/jobs.yaml", 5, "TTP525", "medium")]
    evidence = {e.note for e in item(result, "deploy.kubernetes").evidence}
    assert evidence == {
        "autoscaled by HorizontalPodAutoscaler api",
        "autoscaled by ScaledObject web",
    }


def test_helm_templates_are_skipped_with_a_note(tmp_path: Path) -> None:
    files = {
        "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        "charts/api/templates/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ include "api.fullname" . }}
        """,
        "charts/api/templates/service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n",
        "charts/api/values.yaml": "replicaCount: 1\n",
    }
    result = report(tmp_path, files)
    assert rows(result) == []
    k8s = item(result, "deploy.kubernetes")
    assert k8s.status is Status.SKIP
    assert k8s.reason == (
        "no Kubernetes Deployment, StatefulSet or DaemonSet found; 2 Helm/Jinja template(s) not"
        " checked: charts/api/templates/deployment.yaml, charts/api/templates/service.yaml"
    )


def test_malformed_manifests_and_partial_workloads(tmp_path: Path) -> None:
    files = {
        "k8s/deployment.yaml": GOOD,
        "k8s/broken.yaml": "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: [1\n",
        "overlays/prod/patch.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              replicas: 5
              template:
                spec:
                  containers:
                    - name: api
                      resources: {limits: {memory: 1Gi}}
        """,
        "notes/random.yaml": "this: [is not: a deployment file\n",
    }
    result = report(tmp_path, files)
    assert rows(result) == [("k8s/broken.yaml", 5, "TTP590", "high")]
    k8s = item(result, "deploy.kubernetes")
    assert (k8s.status, k8s.covered, k8s.total) == (Status.FAIL, 6, 13)
    assert {f.checklist_item for f in result.findings} == {"deploy.kubernetes"}
    assert "1 partial workload(s) (patches) not checked: overlays/prod/patch.yaml:2" in k8s.reason


def test_only_some_files_given_does_not_judge_replicas(tmp_path: Path) -> None:
    from ttaprod.config import Config
    from ttaprod.engine.project import ProjectIndex
    from ttaprod.items import deployment as items
    from ttaprod.models import ItemResult

    (tmp_path / "d.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n"
        "spec:\n  template:\n    spec:\n      containers: [{name: a, image: 'a:1'}]\n"
    )
    index = ProjectIndex(tmp_path, Config(), (), (), ("d.yaml",), 0, partial=True)
    default = ItemResult("deploy.kubernetes", "t", "deploy", Status.SKIP, None)
    result, findings = items.kubernetes_item(index, default)
    assert "TTP525" not in {f.rule for f in findings}
    assert result.total == 5
