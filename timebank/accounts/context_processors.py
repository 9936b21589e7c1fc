from timebank.accounts.selectors.roles import roles_of


def roles(request):
    """The signed-in person's roles, for the navigation."""
    if not request.user.is_authenticated:
        return {"my_roles": None}
    return {"my_roles": roles_of(request.user)}
