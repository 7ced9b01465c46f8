"""Deployment files beyond Python: Dockerfiles, compose files, Kubernetes manifests and
Prometheus alert rules, judged for the deploy.container, deploy.kubernetes and deploy.alerts
checklist items (rules TTP5xx). Nothing here runs what it reads."""
