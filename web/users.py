"""`python -m web.users [--file PATH] add|passwd|remove|list [NAME]` (also `fazhi-web-users`):
keep the users of the web app's login. Passwords are asked for twice, never echoed, and
stored as werkzeug.security hashes (scrypt) in the file userfile.py reads.

Not imported by the app (userfile.py is), so that `python -m web.users` runs it afresh.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from werkzeug.security import generate_password_hash

from .userfile import (
    CONFIG_ENV,
    USERS_ENV,
    UsersFileError,
    configured_users_file,
    name_problem,
    read_users,
    write_users,
)

MIN_PASSWORD = 8


def _existing(path: Path) -> dict[str, str]:
    try:
        return dict(read_users(path).users)
    except UsersFileError:
        if path.exists():
            raise
        return {}


def _ask_password(name: str) -> str:
    password = click.prompt(
        f"Password for {name}", hide_input=True, confirmation_prompt=True, err=True
    )
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"a password has at least {MIN_PASSWORD} characters")
    return password


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--file",
    "users_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"The users file (default: USERS_FILE of ${CONFIG_ENV}'s file, else ${USERS_ENV}).",
)
@click.pass_context
def main(ctx: click.Context, users_file: Path | None) -> None:
    """Keep the users of the web app's login; passwords are asked for, never echoed."""
    users_file = users_file or configured_users_file()
    if users_file is None:
        raise click.UsageError(
            f"no users file: pass --file, or set USERS_FILE in ${CONFIG_ENV}'s file"
        )
    ctx.obj = users_file


def _valid_name(name: str) -> str:
    problem = name_problem(name)
    if problem:
        raise click.BadParameter(problem, param_hint="NAME")
    return name


@main.command()
@click.argument("name")
@click.pass_obj
def add(path: Path, name: str) -> None:
    """Add a user (the file is created if needed)."""
    users = _load(path)
    if _valid_name(name) in users:
        raise click.ClickException(f"{name} already exists in {path}; use passwd")
    users[name] = generate_password_hash(_ask_password(name))
    write_users(path, users)
    click.echo(f"added {name} to {path}")


@main.command()
@click.argument("name")
@click.pass_obj
def passwd(path: Path, name: str) -> None:
    """Change a user's password (their open sessions end)."""
    users = _load(path)
    if name not in users:
        raise click.ClickException(f"no user {name} in {path}")
    users[name] = generate_password_hash(_ask_password(name))
    write_users(path, users)
    click.echo(f"changed the password of {name}")


@main.command()
@click.argument("name")
@click.pass_obj
def remove(path: Path, name: str) -> None:
    """Remove a user (their open sessions end). The last user cannot be removed: with a
    users file configured and nobody in it, the app would not start."""
    users = _load(path)
    if name not in users:
        raise click.ClickException(f"no user {name} in {path}")
    if len(users) == 1:
        raise click.ClickException(
            f"{name} is the last user; remove USERS_FILE from the web config to turn the login off"
        )
    del users[name]
    write_users(path, users)
    click.echo(f"removed {name}")


@main.command("list")
@click.pass_obj
def list_users(path: Path) -> None:
    """Print the user names, one a line."""
    for name in sorted(_load(path)):
        click.echo(name)


def _load(path: Path) -> dict[str, str]:
    try:
        return _existing(path)
    except UsersFileError as error:
        raise click.ClickException(str(error)) from None


if __name__ == "__main__":
    sys.exit(main())
