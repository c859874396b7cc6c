-- Accounts. Emails are stored normalised (trimmed, lowercase) so uniqueness is case-insensitive.
create table users (
    id            uuid primary key,
    email         text not null unique,
    password_hash text not null,
    role          text not null default 'student' check (role in ('student', 'instructor')),
    created_at    timestamptz not null default now()
);

-- Failed sign-ins, for throttling per account and per address. Only the last minute matters;
-- older rows are deleted as new ones arrive.
create table sign_in_failures (
    id     bigserial primary key,
    email  text not null,
    ip     text not null,
    at     timestamptz not null default now()
);
create index sign_in_failures_email_at on sign_in_failures (email, at);
create index sign_in_failures_ip_at on sign_in_failures (ip, at);

-- Browsers that have signed in to an account before. A failed-sign-in flood against an account
-- (per-account throttle) does not lock out a browser that the owner has used successfully.
create table known_devices (
    token_hash text primary key,
    user_id    uuid not null references users (id) on delete cascade,
    created_at timestamptz not null default now()
);
