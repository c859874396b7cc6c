-- Mock-exam attempts. The whole exam (questions, order, option order) is stored when the attempt
-- starts, so a reload shows exactly the same exam; the deadline is held here, not in the browser.
create table attempts (
    id                uuid primary key,
    user_id           uuid not null references users (id) on delete cascade,
    exam_code         text not null references exams (code),
    started_at        timestamptz not null default now(),
    deadline          timestamptz not null,
    finished_at       timestamptz,
    finish_reason     text check (finish_reason in ('submitted', 'timeout')),
    -- where the candidate is, and since when (for time spent per question and for resume)
    current_position  int not null default 1,
    current_since     timestamptz not null default now(),
    -- results, filled in when the attempt is scored
    raw_score         int,
    question_count    int not null,
    scaled_score      int,
    passed            boolean
);
-- At most one unfinished attempt per candidate and exam.
create unique index attempts_one_open on attempts (user_id, exam_code) where finished_at is null;
create index attempts_user on attempts (user_id, started_at desc);
create index attempts_open_deadline on attempts (deadline) where finished_at is null;

create table attempt_items (
    attempt_id          uuid not null references attempts (id) on delete cascade,
    position            int not null,
    question_version_id bigint not null references question_versions (id),
    -- option_order[k] = file index of the option shown k-th (0-based)
    option_order        int[] not null,
    -- file indexes of the chosen options
    chosen              int[] not null default '{}',
    flagged             boolean not null default false,
    answered_at         timestamptz,
    seconds_spent       int not null default 0,
    correct             boolean,
    primary key (attempt_id, position)
);
create index attempt_items_version on attempt_items (question_version_id);

create table attempt_domain_scores (
    attempt_id uuid not null references attempts (id) on delete cascade,
    domain     int not null,
    correct    int not null,
    total      int not null,
    primary key (attempt_id, domain)
);

create table attempt_task_scores (
    attempt_id uuid not null references attempts (id) on delete cascade,
    task       text not null,
    correct    int not null,
    total      int not null,
    primary key (attempt_id, task)
);
