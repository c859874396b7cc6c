-- Drills: untimed practice of one scope (a domain, task statements, a service, or a ready-made set),
-- one question at a time with feedback at once. Like a mock, the questions and their option order are
-- stored when the drill starts, so a reload or a resume shows the same drill.
create table drills (
    id               uuid primary key,
    user_id          uuid not null references users (id) on delete cascade,
    exam_code        text not null references exams (code),
    -- what was practised: kind + value, e.g. ('tasks', '1.1,1.2'), ('service', 'Amazon S3'), ('due', '')
    scope_kind       text not null check (scope_kind in ('domain', 'tasks', 'service', 'due', 'missed', 'unseen', 'weakest', 'attempt')),
    scope_value      text not null default '',
    title            text not null,
    question_count   int not null check (question_count > 0),
    current_position int not null default 1,
    started_at       timestamptz not null default now(),
    last_active_at   timestamptz not null default now(),
    finished_at      timestamptz,
    finish_reason    text check (finish_reason in ('completed', 'closed', 'abandoned'))
);
create index drills_user on drills (user_id, started_at desc);
create index drills_open on drills (last_active_at) where finished_at is null;

create table drill_items (
    drill_id            uuid not null references drills (id) on delete cascade,
    position            int not null,
    question_version_id bigint not null references question_versions (id),
    -- option_order[k] = file index of the option shown k-th (0-based)
    option_order        int[] not null,
    -- null until the candidate checks the answer; then the file indexes chosen
    chosen              int[],
    confidence          text check (confidence in ('sure', 'unsure', 'guess')),
    correct             boolean,
    shown_at            timestamptz,
    answered_at         timestamptz,
    seconds_spent       int,
    primary key (drill_id, position)
);
create index drill_items_version on drill_items (question_version_id);

-- Spaced repetition: each candidate's FSRS memory of each question (by question, not version: an edited
-- question is still the same thing to remember). Every answer, in a drill or a finished mock, updates it.
create table review_states (
    user_id        uuid not null references users (id) on delete cascade,
    exam_code      text not null,
    question_id    text not null,
    stability      double precision not null,
    difficulty     double precision not null,
    due_at         timestamptz not null,
    last_review_at timestamptz not null,
    -- 1 again, 2 hard, 3 good, 4 easy (FSRS ratings)
    last_rating    smallint not null check (last_rating between 1 and 4),
    reviews        int not null default 1,
    lapses         int not null default 0,
    primary key (user_id, exam_code, question_id),
    foreign key (exam_code, question_id) references questions (exam_code, id)
);
create index review_states_due on review_states (user_id, exam_code, due_at);

-- The documentation links of a version (shown with the explanation after an answer).
alter table question_versions add column references_urls text[] not null default '{}';

-- The share of reviews a candidate wants to recall when a question comes back (FSRS desired retention).
alter table users add column desired_retention real not null default 0.90
    check (desired_retention between 0.70 and 0.99);
