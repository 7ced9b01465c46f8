"""The shape of every knowledge file in `rules/knowledge/`: each key it may have and its type.

`ttaprod.knowledge.table()` checks a file against its shape when it is loaded: an unknown key
or a wrong type is a `KnowledgeError` naming the file and the key, so a typo in a knowledge row
is caught the first time anything reads it, and by `tests/test_knowledge.py`.

    str, int, float (an int is accepted), bool   a value of that type
    [T]                                         a list of T
    {"key": T, "optional?": T}                  a table with exactly these keys
    Map(T)                                      a table of any keys, each value a T
    Any                                         anything (literal values a rule compares with)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Map:
    value: Any


# a role of roles.toml: what makes a file that role
_ROLE = {
    "names?": [str],
    "prefixes?": [str],
    "suffixes?": [str],
    "dirs?": [str],
    "contains?": [str],
    "source": str,
}

SHAPES: dict[str, Any] = {
    "dashboards": {
        "images": [str],
        "mount_paths": [str],
        "env": [str],
        "sidecar_images": [str],
        "source": str,
        "source_model": str,
        "exporter_names": [str],
        "exporter_prefixes": [str],
        "source_exporters": str,
        "instrumentors": [{"type": str, "prefixes": [str], "source": str}],
    },
    "cost": {
        "usage_fields": [str],
        "usage_source": str,
        "metrics": {
            "record_methods": [str],
            "label_methods": [str],
            "otel_factories": [str],
            "log_methods": [str],
            "passive_methods": [str],
            "span_methods": [str],
            "source_prometheus": str,
            "source_otel": str,
        },
        "langfuse_roots": [str],
        "langfuse_source": str,
        "trackers": [
            {
                "label": str,
                "assign": [str],
                "calls": [str],
                "imports": [str],
                "providers": [str],
                "source": str,
            }
        ],
        "tta": {
            "config": [str],
            "enabled": str,
            "budget": str,
            "threshold": str,
            "budget_env": [str],
            "source": str,
        },
        "limits": [{"label": str, "assign": [str], "calls": [str], "keyword": str, "source": str}],
        "nonexistent": [{"names": [str], "real": str, "source": str}],
        "proxies": {
            "hosts": [str],
            "headers": [str],
            "keywords_url": [str],
            "keywords_headers": [str],
            "source_helicone": str,
            "source_portkey": str,
        },
    },
    "roles": {
        "test": _ROLE,
        "migration": _ROLE,
        "example": _ROLE,
        "build": _ROLE,
        "script": _ROLE,
        "cli": _ROLE,
        "deployment": {
            "dev_names": [str],
            "dev_words": [str],
            "dev_commands": [str],
            "dev_images": [str],
            "dev_base_images": [str],
            "dev_environment": Map([str]),
            "dev_comments": [str],
            "source": str,
            "source_reload": str,
            "source_postgres_trust": str,
        },
    },
    "caching": {
        "decorators": [str],
        "decorator_methods": [str],
        "cache_types": [str],
        "store_types": [str],
        "read_methods": [str],
        "write_methods": [str],
        "global_caches": [str],
        "call_keywords": [str],
        "sources": [str],
    },
    "deploy": {
        "images": {
            "floating_tags": [str],
            "not_pulled": [str],
            "source": str,
            "source_digest": str,
            "source_k8s": str,
            "nonroot": {"patterns": [str], "source": str, "source_chainguard": str},
            "steps_down": {
                "patterns": [str],
                "source": str,
                "source_mysql": str,
                "source_redis": str,
            },
        },
        "privileges": {
            "tools": [str],
            "packages": [str],
            "source": str,
            "source_su_exec": str,
            "source_setpriv": str,
        },
        "servers": {
            "commands": [str],
            "base_images": [str],
            "source": str,
            "source_expose": str,
        },
        "credentials": {
            "not_secret_names": [str],
            "source": str,
            "public_prefixes": [str],
            "source_vite": str,
            "source_next": str,
            "source_cra": str,
            "flag_patterns": [str],
        },
        "installs": {
            "pip_locked_options": [str],
            "pip_options_with_value": [str],
            "tooling_packages": [str],
            "unlocked_commands": [str],
            "source": str,
            "source_hashes": str,
            "source_uv": str,
            "source_poetry": str,
        },
        "kubernetes": {
            "workloads": [str],
            "per_node": [str],
            "autoscalers": [str],
            "source_resources": str,
            "source_probes": str,
            "source_security": str,
            "source_hpa": str,
            "source_keda": str,
        },
        "alerts": {
            "source": str,
            "source_signals": str,
            "kinds": {
                "error-rate": {"label": str, "match": str, "requires": str, "source": str},
                "latency": {"label": str, "match": str, "source": str},
                "cost": {"label": str, "match": str, "source": str},
            },
        },
        "templates": {"helm_actions": str, "dockerfile_suffixes": [str], "source": str},
    },
    "error_logging": {
        "broad": [str],
        "source": str,
        "expected": [str],
        "expected_source": str,
        "operational": [str],
        "operational_source": str,
        "reporters": [str],
        "reporter_methods": [str],
        "reporters_source": str,
        "reporter_words": [str],
        "logger_names": [str],
        "error_methods": [str],
        "warning_methods": [str],
        "exception_methods": [str],
        "error_levels": [str],
        "warning_levels": [str],
        "exc_info_keywords": [str],
        "levels_source": str,
        "structlog_source": str,
        "loguru_source": str,
        "fallback": {
            "predicate_calls": [str],
            "pure_calls": [str],
            "pure_words": [str],
            "sources": [str],
        },
        "correlation": {
            "names": [str],
            "binders": [str],
            "integrations": [str],
            "filter_bases": [str],
            "inbound": [str],
            "inbound_source": str,
            "needs": [str],
            "sources": [str],
        },
    },
    "evidence": {
        "attestable": [str],
        "tests": {
            "source": str,
            "source_discovery": str,
            "python_files": [str],
            "python_classes": [str],
            "python_functions": [str],
            "testcase_bases": [str],
            "config": [{"file": str, "section": str}],
            "coverage_files": [str],
            "source_coverage": str,
        },
        "load_testing": {
            "python_modules": [str],
            "source_locust": str,
            "files": [{"tool": str, "suffixes": [str], "markers": [str], "source": str}],
            "commands": [{"tool": str, "pattern": str, "source": str}],
            "scan": {"suffixes": [str], "names": [str], "path_markers": [str]},
        },
        "secret_storage": {
            "clients": [str],
            "source_vault": str,
            "source_gcp": str,
            "source_azure": str,
            "source_pydantic": str,
            "factories": {"names": [str], "services": [str], "source": str},
            "kubernetes": {
                "keys": [str],
                "kinds": [str],
                "annotations": [str],
                "source": str,
                "source_operators": str,
            },
            "compose": {"source": str},
        },
    },
    "expensive": {
        "stream_keyword": str,
        "sdk": [
            {"library": str, "display": str, "generation": [str], "embedding": [str], "source": str}
        ],
        "functions": [{"display": str, "generation": [str], "embedding": [str], "source": str}],
        "routers": [
            {"display": str, "names": [str], "generation": [str], "embedding": [str], "source": str}
        ],
    },
    "fallback": {
        "needs": [str],
        "call_fallbacks": [{"prefix": str, "keywords": [str], "source": str}],
        "routers": [
            {"names": [str], "fallback_keywords": [str], "model_list_keyword": str, "source": str}
        ],
        "primitives": [{"name": str, "display": str, "fallback_keyword": str, "source": str}],
        "fallbacks": {
            "primitive": str,
            "primary": str,
            "decorators": [{"names": [str], "keyword": str, "source": str, "position?": int}],
            "answer_methods": [str],
            "generic_methods": [str],
            "source": str,
            "answer_source": str,
        },
    },
    "health": {
        "source": str,
        "source_readiness": str,
        "web_frameworks": [str],
        "paths": [str],
        "liveness": [str],
        "function_names": [str],
        "constant": {"calls": [str], "log_methods": [str]},
        "status_keys": [str],
        "auth": {
            "decorators": [str],
            "user_objects": [str],
            "request_types": [str],
            "source": str,
            "source_flask_login": str,
            "source_jwt": str,
        },
    },
    "logging": {
        "loggers": [
            {
                "library": str,
                "functions": [str],
                "objects": [str],
                "factories": [str],
                "methods": [str],
                "level_first": [str],
                "derive": [str],
                "message_index": int,
                "message_keywords": [str],
                "lazy": str,
                "sources": [str],
            }
        ],
        "print": {"names": [str], "source": str},
        "cli": {
            "module_names": [str],
            "dirs": [str],
            "decorators": [str],
            "app_types": [str],
            "app_methods": [str],
            "runners": [str],
            "parsers": [str],
            "sources": [str],
        },
    },
    "models": {
        "routers": [str],
        "needs": [str],
        "tta_router": str,
        "model_keywords": [str],
        "patterns": [{"provider": str, "prefixes": [str], "source": str}],
        "not_routed": {"contains": [str], "source": str},
        "provider_prefixes": {"names": [str], "source": str},
    },
    "observability": {
        "tta": {
            "source": str,
            "init": [{"names": [str], "params": [str], "prometheus": str, "signature": str}],
            "nonexistent": [{"module": str, "real": str, "source": str}],
        },
        "otel": {
            "source": str,
            "tracer_providers": [str],
            "set_tracer_provider": [str],
            "set_meter_provider": [str],
            "span_processors": [str],
            "console_exporters": [str],
            "setups": [str],
            "source_setups": str,
            "auto": {
                "commands": [str],
                "annotations": [str],
                "source": str,
                "source_operator": str,
            },
        },
        "prometheus": {
            "source": str,
            "metric_types": [str],
            "servers": [str],
            "apps": [str],
            "push": [str],
            "route_paths": [str],
            "instrumentors": [{"type": str, "expose": str, "source": str}],
        },
        "logging": {
            "source_structlog": str,
            "source_json_logger": str,
            "source_dictconfig": str,
            "json_renderers": [str],
            "json_formatters": [str],
            "config_file_prefixes": [str],
            "config_file_suffixes": [str],
            "json_calls": [{"name": str, "keyword": str, "source": str}],
        },
    },
    "outbound": {
        "library": [
            {
                "id": str,
                "display": str,
                "category": str,
                "blocking?": str,
                "async_hint?": str,
                "async_source?": str,
                "pooled?": bool,
                "pool_source?": str,
                "write_verbs?": [str],
                "verb_methods?": [str],
                "verb_position?": int,
                "verb_keyword?": str,
                "needs": [str],
                "timeout_default?": str,
                "timeout_phrase?": str,
                "timeout_fix?": str,
                "timeout_source?": str,
                "retries_default?": int,
                "retries_phrase?": str,
                "retry_fix?": str,
                "retries_source?": str,
                "calls?": [
                    {
                        "names": [str],
                        "kind": str,
                        "timeout_keyword?": str,
                        "async?": bool,
                        "url_position?": int,
                        "url_positions?": Map(int),
                        "source": str,
                        "timeout_position?": int,
                        "async_hint?": str,
                        "prefixes?": [str],
                        "what?": str,
                        "fix?": str,
                        "blocks?": bool,
                    }
                ],
                "clients?": [
                    {
                        "names": [str],
                        "async": bool,
                        "methods?": [str],
                        "call_timeout_keyword?": str,
                        "call_timeout_positions?": Map(int),
                        "mount_method?": str,
                        "url_positions?": Map(int),
                        "source": str,
                        "timeout_keyword?": str,
                        "transport_keyword?": str,
                        "retries_keyword?": str,
                        "any_method?": bool,
                        "min_depth?": int,
                        "option_methods?": [str],
                        "skip_methods?": [str],
                    }
                ],
                "adapters?": [
                    {
                        "names": [str],
                        "retries_keyword": str,
                        "retries_position": int,
                        "retries_default": int,
                        "source": str,
                    }
                ],
                "tls?": [
                    {
                        "keyword": str,
                        "off": [Any],
                        "on?": [str],
                        "methods?": [str],
                        "source": str,
                        "names?": [str],
                    }
                ],
                "timeout_default_s?": float,
                "disabled_by?": [str],
                "transports?": [
                    {"names": [str], "retries_keyword": str, "retries_default": int, "source": str}
                ],
                "retry_applies?": bool,
                "objects?": [
                    {
                        "names": [str],
                        "methods?": [str],
                        "source": str,
                        "async_hint?": str,
                        "writes?": [str],
                        "what?": str,
                        "async?": bool,
                        "except?": [str],
                        "instance?": bool,
                    }
                ],
                "write_prefixes?": [str],
                "write_source?": str,
            }
        ],
        "passthrough": [
            {
                "names?": [str],
                "func_position": int,
                "forwards_keywords": bool,
                "async": bool,
                "source": str,
                "methods?": [str],
            }
        ],
        "timeout_wrappers": [
            {
                "names": [str],
                "form": str,
                "target_position?": int,
                "delay_keyword": str,
                "delay_position": int,
                "interrupts": str,
                "source": str,
            }
        ],
        "retry_wrappers": [
            {"names": [str], "forms": [str], "display": str, "source": str, "call_target?": int}
        ],
        "retry_objects": {"names": [str], "source": str},
    },
    "pooling": {
        "client_fix": str,
        "once": {
            "entry_point_names": [str],
            "decorators": [str],
            "cli_apps": [str],
            "cli_methods": [str],
            "event_methods": [str],
            "events": [str],
            "hook_methods": [str],
            "lifespan_keywords": [str],
            "context_managers": [str],
            "sources": [str],
        },
    },
    "ratelimit": {
        "outbound": {
            "types": [str],
            "acquire_methods": [str],
            "hit_types": [str],
            "hit_methods": [str],
            "decorators": [str],
            "decorator_methods": [str],
            "router_keys": [str],
            "sources": [str],
        },
        "inbound": {
            "limiters": [str],
            "default_keywords": [str],
            "self_applying": [str],
            "middleware": [str],
            "middleware_methods": [str],
            "middleware_classes": [str],
            "route_methods": [str],
            "exempt_methods": [str],
            "dependencies": [str],
            "dependency_markers": [str],
            "include_methods": [str],
            "sources": [str],
        },
        "unlimited": {
            "probe_segments": [str],
            "sso_segments": [str],
            "handoff_segments": [str],
            "auth_segments": [str],
            "server_segments": [str],
            "sources": [str],
        },
    },
    "secrets": {
        "formats": [
            {"name": str, "pattern": str, "keywords": [str], "min_entropy": float, "source": str}
        ],
        "examples": {"values": [str], "source": str},
        "contextual": [
            {"name": str, "names": str, "pattern": str, "min_entropy": float, "source": str}
        ],
        "names": {
            "heads": [str],
            "key_qualifiers": [str],
            "token_not_after": [str],
            "not_if_first": [str],
            "source": str,
        },
        "placeholders": {"patterns": [str], "key_patterns": [str], "sources": [str]},
        "weak_defaults": {"values": [str], "source": str},
        "scheme_words": {"values": [str], "sources": [str]},
        "env_readers": [
            {
                "call?": str,
                "default_arg?": int,
                "default_kw?": str,
                "source": str,
                "methods_of?": [str],
                "methods?": [str],
            }
        ],
        "secret_stores": {"subscripts": [str], "calls": [str], "methods": [str], "sources": [str]},
        "settings_classes": {"bases": [str], "source": str},
        "value_wrappers": [{"calls": [str], "positional?": int, "keyword": str, "source": str}],
        "password_args": [
            {"calls?": [str], "index": int, "source": str, "methods_of?": [str], "method?": str}
        ],
        "pair_keywords": {"names": [str], "source": str},
        "auth_schemes": {"prefixes": [str], "source": str},
        "sentinel_passwords": {"values": [str], "source": str},
    },
    "fixes": {
        "timeouts": {
            "pair_libraries": [str],
            "pair_source": str,
            "values": [{"library": str, "value": str, "source": str}],
        },
        "retries": {
            "session_classes": [str],
            "prefixes": [str],
            "mount": str,
            "mount_source": str,
            "dependency": str,
            "decorator": str,
            "decorator_source": str,
            "not_idempotent": [str],
            "idempotent_source": str,
            "exceptions": [{"library": str, "exception": str, "source": str}],
        },
        "tls": {"verified_factory": str, "source": str},
        "blocking": {
            "offload": [
                {
                    "runtime": str,
                    "call": str,
                    "keywords": bool,
                    "source": str,
                }
            ],
            "replace": [{"call": str, "asyncio": str, "anyio": str, "source": str}],
            "keep": {"calls": [str], "source": str},
        },
        "secrets": {
            "read": str,
            "generic_keywords": [str],
            "scheme_headers": [str],
            "scheme_env_suffix": str,
            "source": str,
        },
        "logging": [{"library": str, "style": str, "source": str}],
        "exc_info": {
            "rename": Map(str),
            "keyword": str,
            "loguru_option": str,
            "source": str,
        },
        "healthcheck": {"instruction": str, "default_port": int, "source": str},
        "compose": {"restart": str, "source": str},
    },
    "tls": {
        "unresolved": {"methods": [str], "keywords": [str]},
        "ssl": {
            "unverified_factories": [str],
            "cert_none": [str],
            "hostname_checks": [str],
            "session_verify_attrs": [str],
            "sources": [str],
        },
        "urls": {
            "plaintext_schemes": [str],
            "secure_schemes": [str],
            "name_heads": [str],
            "name_skip_words": [str],
            "source": str,
        },
        "url_calls": [{"calls": [str], "index": int, "source": str}],
        "exempt_hosts": {
            "names": [str],
            "suffixes": [str],
            "example_domains": [str],
            "bare_names": bool,
            "private_addresses": bool,
            "sources": [str],
        },
        "identifier_urls": {"hosts": [str], "host_prefixes": [str], "source": str},
    },
    "tta_dev": {
        "namespaces": [str],
        "source": str,
        "callables": [
            {
                "name": str,
                "params": [str],
                "required?": [str],
                "item": str,
                "role?": str,
                "wraps?": [str],
                "fix": str,
                "source": str,
                "delay?": str,
                "form?": str,
                "namespaces?": [str],
                "wraps_items?": [str],
                "kwonly?": [str],
            }
        ],
    },
    "validation": {
        "parameters": {
            "unvalidated": [str],
            "containers": [str],
            "annotated": [str],
            "injected": [str],
            "typed_frameworks": [str],
            "explicit_only_frameworks": [str],
            "judged_frameworks": [str],
            "sources": [str],
        },
        "raw_reads": [
            {
                "types?": [str],
                "methods": [str],
                "source": str,
                "objects?": [str],
                "attributes?": [str],
            }
        ],
        "validators": {
            "methods": [str],
            "functions": [str],
            "data_keywords": [str],
            "not_validators": [str],
            "class_modules": [str],
            "decorators": [str],
            "decorator_methods": [str],
            "sources": [str],
        },
        "verifiers": {
            "functions": [str],
            "classes": [str],
            "signature_words": [str],
            "sources": [str],
        },
        "fields": {
            "forms": [str],
            "lookups": [str],
            "source": str,
        },
    },
    "web": {
        "frameworks": [
            {
                "name": str,
                "types": [str],
                "default_method": str,
                "decorators": {
                    "get?": str,
                    "post?": str,
                    "put?": str,
                    "patch?": str,
                    "delete?": str,
                    "head?": str,
                    "options?": str,
                    "trace?": str,
                    "api_route?": str,
                    "websocket?": str,
                    "route": str,
                    "websocket_route?": str,
                },
                "source": str,
            }
        ],
        "unresolved_apps": {
            "decorators": {
                "get": str,
                "post": str,
                "put": str,
                "patch": str,
                "delete": str,
                "api_route": str,
                "route": str,
                "websocket": str,
            },
            "path_prefix": str,
        },
        "registrations": [
            {
                "names?": [str],
                "framework": str,
                "default_method": str,
                "path": {"position": int, "keyword": str},
                "endpoint": {"position": int, "keyword": str},
                "source": str,
                "methods?": [str],
            }
        ],
        "serverless": [
            {"framework": str, "decorators": [str], "parameter_types": [str], "source": str}
        ],
        "aws_lambda": {
            "framework": str,
            "event_params": [str],
            "context_params": [str],
            "handler_names": [str],
            "sources": [str],
        },
        "correlation": {
            "request_objects": [str],
            "context_var_types": [str],
            "dependency_markers": [str],
            "consumer_callbacks": [{"method": str, "position": int, "keyword": str, "needs": str}],
            "consumer_types": [str],
            "poll_methods": [str],
            "poll_types": [str],
            "subscriber_methods": [str],
            "broker_types": [str],
            "sources": [str],
        },
        "workflow_context": {
            "packages": [str],
            "class_name": str,
            "keyword": str,
            "fresh_factories": [str],
            "derive": [str],
            "primitive_methods": [str],
            "context_param_names": [str],
            "function_wrappers": [str],
            "sources": [str],
        },
    },
    "workers": {
        "library": [
            {
                "id": str,
                "display": str,
                "needs": [str],
                "calls?": [str],
                "methods?": [str],
                "in_loop?": bool,
                "source": str,
            }
        ],
        "asyncio": {"runners": [str], "source": str},
        "heartbeat": {
            "file_calls": [str],
            "words": [str],
            "calls": [str],
            "source": str,
            "source_sdnotify": str,
        },
    },
    "writes": {
        "compensation": {
            "primitives": [str],
            "forward": str,
            "undo_verbs": [str],
            "source": str,
            "saga_source": str,
        },
        "reads": {
            "path_words": [str],
            "body_keys": [str],
            "graphql_words": [str],
            "graphql_mutation": str,
            "resend_ignored": [str],
            "sources": [str],
        },
    },
}
