"""The guide's onboarding plan, professional-services catalogue and support boundaries as data
(Enterprise Support Guide 1.0.0: "Enterprise Onboarding", "Professional Services", "Support
Boundaries"). Edited in the admin afterwards; this migration only seeds them."""
from django.db import migrations

# (phase, phase's first plan day, first day, last day, activity, participants, owner role)
PLAN = [
    ("Week 1: Kickoff", 1, 1, 1, "Welcome call, introductions", "Account manager, customer team", "account_manager"),
    ("Week 1: Kickoff", 1, 2, 3, "Environment setup assistance", "Support engineer", "support_engineer"),
    ("Week 1: Kickoff", 1, 4, 5, "Integration review", "Technical lead", "technical_lead"),
    ("Week 2: Integration", 6, 1, 2, "API integration support", "Support engineer", "support_engineer"),
    ("Week 2: Integration", 6, 3, 4, "SSO/SAML configuration", "Support engineer, customer IT", "customer_it"),
    ("Week 2: Integration", 6, 5, 5, "Initial testing and validation", "Joint team", "technical_lead"),
    ("Weeks 3-4: Go-Live", 11, 1, 5, "Pilot rollout", "Support engineer on standby", "support_engineer"),
    ("Weeks 3-4: Go-Live", 11, 6, 10, "Full production deployment", "Joint team", "account_manager"),
]

# (code, name, description, typical duration)
CATALOGUE = [
    ("custom-integration", "Custom Integration", "Build integrations with your systems", "2-4 weeks"),
    ("custom-personas", "Custom Personas", "Develop domain-specific agents", "1-2 weeks"),
    ("on-site-training", "On-Site Training", "In-person team training", "1-2 days"),
    ("architecture-review", "Architecture Review", "Deep-dive system assessment", "1 week"),
    ("performance-tuning", "Performance Tuning", "Optimize for your workload", "1-2 weeks"),
    ("compliance-mapping", "Compliance Mapping", "Map to your compliance framework", "2-4 weeks"),
]

IN_SCOPE = [
    ("platform", "Aragora platform functionality"),
    ("api-sdk", "API and SDK usage"),
    ("integration-guidance", "Integration guidance"),
    ("configuration", "Configuration assistance"),
    ("performance", "Performance troubleshooting"),
    ("security", "Security questions"),
    ("billing", "Billing and account issues"),
]

# (code, name, explanation for the customer, suggested professional service)
OUT_OF_SCOPE = [
    ("custom-code", "Custom code development",
     "Writing or reviewing code that is specific to your systems is development work rather than support. "
     "Our Professional Services team builds custom integrations for you.", "custom-integration"),
    ("third-party-debugging", "Third-party system debugging",
     "We can't debug systems that Aragora doesn't run, as we have no access to them and can't vouch for "
     "their behaviour. We are glad to confirm what Aragora sends and receives at the boundary.",
     "custom-integration"),
    ("model-training", "AI model training or fine-tuning",
     "Training or fine-tuning models is outside the support offering. Our Professional Services team can "
     "develop domain-specific agents (Custom Personas) with you.", "custom-personas"),
    ("general-programming", "General programming questions",
     "Questions about programming in general are best answered by your language's community and "
     "documentation; we answer anything about using Aragora's API and SDKs.", "on-site-training"),
    ("customer-infrastructure", "Infrastructure management (customer-managed)",
     "Infrastructure that you manage (servers, networks, clusters, proxies) is yours to operate. We help "
     "with how Aragora is configured on it; an Architecture Review can assess the whole setup.",
     "architecture-review"),
]


def seed(apps, schema_editor):
    PlanTemplate = apps.get_model("onboarding", "PlanTemplate")
    TemplateActivity = apps.get_model("onboarding", "TemplateActivity")
    ServiceOffering = apps.get_model("onboarding", "ServiceOffering")
    ScopeCategory = apps.get_model("onboarding", "ScopeCategory")

    template, _ = PlanTemplate.objects.get_or_create(name="Enterprise onboarding (guide 1.0.0)",
                                                     defaults={"is_default": True})
    for order, (phase, phase_first, first, last, name, participants, role) in enumerate(PLAN, start=1):
        TemplateActivity.objects.update_or_create(
            template=template, order=order,
            defaults=dict(phase=phase, phase_first_day=phase_first, first_day=first, last_day=last, name=name,
                          participants=participants, owner_role=role))
    offerings = {}
    for order, (code, name, description, duration) in enumerate(CATALOGUE, start=1):
        offerings[code], _ = ServiceOffering.objects.update_or_create(
            code=code, defaults=dict(name=name, description=description, typical_duration=duration, order=order))
    for order, (code, name) in enumerate(IN_SCOPE, start=1):
        ScopeCategory.objects.update_or_create(code=code, defaults=dict(name=name, in_scope=True, order=order))
    for order, (code, name, explanation, offering) in enumerate(OUT_OF_SCOPE, start=1):
        ScopeCategory.objects.update_or_create(
            code=code, defaults=dict(name=name, in_scope=False, explanation=explanation, order=order,
                                     suggested_offering=offerings[offering]))


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
