-- Cohorts: an instructor's group of candidates preparing together. A candidate joins with the cohort's
-- code (or its invite link) and can leave; only the cohort's instructors see its page.
create table cohorts (
    id         uuid primary key,
    exam_code  text not null references exams (code),
    name       text not null check (length(name) between 1 and 100),
    code       text not null unique,
    created_by uuid not null references users (id) on delete cascade,
    created_at timestamptz not null default now()
);

create table cohort_instructors (
    cohort_id uuid not null references cohorts (id) on delete cascade,
    user_id   uuid not null references users (id) on delete cascade,
    primary key (cohort_id, user_id)
);

create table cohort_members (
    cohort_id uuid not null references cohorts (id) on delete cascade,
    user_id   uuid not null references users (id) on delete cascade,
    joined_at timestamptz not null default now(),
    primary key (cohort_id, user_id)
);
create index cohort_members_user on cohort_members (user_id);

-- The progress page reads a candidate's answers by user: drills and attempts are indexed by user already;
-- drill items answered are read through their drill.
create index attempts_user_exam_finished on attempts (user_id, exam_code, finished_at) where finished_at is not null;
