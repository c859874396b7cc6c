-- Sign-ins as rows, so that signing out (here or everywhere) revokes them on the server: a session
-- holds only its login's id, and a revoked login is never accepted again, whatever a request still
-- in flight writes back into its session.
create table logins (
    id          uuid primary key,
    user_id     uuid not null references users (id) on delete cascade,
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);
create index logins_user on logins (user_id) where revoked_at is null;

-- Sign-in attempts are recorded before the password is checked (and deleted when it was right), so
-- parallel guesses are counted atomically. Attempts from a browser the account's owner has used
-- before are told apart: they are throttled only by their own failures.
alter table sign_in_failures add column known_device boolean not null default false;
create index sign_in_failures_email_known_at on sign_in_failures (email, known_device, at);

-- Sign-ups per client address, for throttling account creation (and the hashing it costs).
create table sign_ups (
    id  bigserial primary key,
    ip  text not null,
    at  timestamptz not null default now()
);
create index sign_ups_ip_at on sign_ups (ip, at);

-- Remembered devices are pruned after a year without use.
alter table known_devices add column last_used_at timestamptz not null default now();
