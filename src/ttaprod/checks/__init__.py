"""ttaprod's per-file rules (detectors), grouped by checklist section, one module per rule
family, named after what it reports. `DETECTORS` lists every one of them: adding a rule
means adding it here (and its catalogue entry); nothing is found by scanning modules.

`facts/` holds detectors that report nothing themselves: they record what project item
checks (`ttaprod.items`) need to know about each file.
"""

from __future__ import annotations

from ..engine.detector import Detector
from .cost.cost_accounting import CostAccounting
from .errors.error_handlers import CorrelationBindings, ErrorHandlers, InboundWorkFacts
from .errors.llm_call_fallback import LlmCallFallback
from .errors.multi_write_compensation import MultiWriteCompensation
from .errors.outbound_call_protection import OutboundCallProtection
from .errors.serverless_timeouts import OutboundTimeouts
from .errors.tta_primitive_arguments import TtaPrimitiveArguments
from .facts.call_graph import CallGraphFacts
from .facts.client_values import ClientValueFacts
from .facts.evidence import EvidenceFacts, SecretStoreFacts
from .facts.handler_bodies import HandlerBodyFacts
from .facts.observability_setup import ObservabilityFacts
from .facts.routes import RouteFacts
from .facts.workers import WorkerFacts
from .observability.correlation_ids import WorkflowContextCorrelation
from .observability.observability_init import (
    ObservabilityInitInRequestHandler,
    ObservabilityInitNonexistentApi,
)
from .observability.structured_logging import LogMessagePreformatted, PrintInServiceCode
from .performance.blocking_call_in_async import BlockingCallInAsync
from .performance.connection_pooling import PerCallClients
from .performance.llm_call_guards import CallGuards
from .performance.model_routing import ModelFacts
from .quality.type_hints import PublicFunctionAnnotations
from .security.hardcoded_secrets import HardcodedSecrets
from .security.input_validation import EndpointInputValidation
from .security.plaintext_urls import PlaintextUrls
from .security.rate_limiting import InboundLimitFacts
from .security.tls_verification import TlsVerification

DETECTORS: tuple[type[Detector], ...] = (
    # errors.*
    OutboundCallProtection,
    OutboundTimeouts,
    TtaPrimitiveArguments,
    LlmCallFallback,
    MultiWriteCompensation,
    ErrorHandlers,
    CorrelationBindings,
    InboundWorkFacts,
    # observability.*
    WorkflowContextCorrelation,
    PrintInServiceCode,
    LogMessagePreformatted,
    ObservabilityInitNonexistentApi,
    ObservabilityInitInRequestHandler,
    # performance.*
    BlockingCallInAsync,
    PerCallClients,
    CallGuards,
    ModelFacts,
    # security.*
    HardcodedSecrets,
    TlsVerification,
    PlaintextUrls,
    EndpointInputValidation,
    InboundLimitFacts,
    # quality.*
    PublicFunctionAnnotations,
    # cost.*
    CostAccounting,
    # facts for project items
    CallGraphFacts,
    ClientValueFacts,
    RouteFacts,
    HandlerBodyFacts,
    EvidenceFacts,
    SecretStoreFacts,
    ObservabilityFacts,
    WorkerFacts,
)
