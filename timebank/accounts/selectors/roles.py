from dataclasses import dataclass, field

from timebank.accounts.models import Membership, MembershipStatus, Programme, Role, User
from timebank.accounts.permissions import is_admin


@dataclass
class Roles:
    """The programmes a person holds each role in, for navigation and landing pages."""

    is_admin: bool = False
    programmes: dict[str, list[Programme]] = field(default_factory=dict)

    def of(self, role: str) -> list[Programme]:
        return self.programmes.get(role, [])

    @property
    def is_volunteer(self) -> bool:
        return bool(self.of(Role.VOLUNTEER) or self.of(Role.MENTOR))

    @property
    def is_mentor(self) -> bool:
        return bool(self.of(Role.MENTOR))

    @property
    def is_coordinator(self) -> bool:
        return self.is_admin or bool(self.of(Role.COORDINATOR))

    @property
    def is_partner(self) -> bool:
        return bool(self.of(Role.PARTNER))

    @property
    def is_funder(self) -> bool:
        return bool(self.of(Role.FUNDER))

    @property
    def coordinated(self) -> list[Programme]:
        if self.is_admin:
            return list(Programme.objects.all())
        return self.of(Role.COORDINATOR)


def roles_of(user: User) -> Roles:
    roles = Roles(is_admin=is_admin(user))
    memberships = Membership.objects.filter(user=user).exclude(status=MembershipStatus.LEFT).select_related("programme")
    for membership in memberships:
        roles.programmes.setdefault(membership.role, []).append(membership.programme)
    return roles
