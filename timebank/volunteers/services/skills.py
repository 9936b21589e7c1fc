"""A programme's catalogue of skills that volunteers can hold."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from timebank.accounts.models import Programme, User
from timebank.accounts.permissions import require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.volunteers.models import Skill


@transaction.atomic
def skill_create(*, actor: User, programme: Programme, name: str) -> Skill:
    require_coordinator(actor, programme)
    name = (name or "").strip()
    slug = slugify(name)
    if not slug or len(name) > 100:
        raise ValidationError({"name": [_("Enter a skill name of 100 characters or fewer.")]})
    if Skill.objects.filter(programme=programme, slug=slug).exists():
        raise ValidationError({"name": [_("The programme already has this skill.")]})
    skill = Skill.objects.create(programme=programme, name=name, slug=slug)
    audit_record(actor=actor, action="skill.create", target=skill, programme=programme, changes={"name": name})
    return skill
