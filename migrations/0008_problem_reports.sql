-- Candidates' problem reports on questions, and the instructors' handling of them. A report keeps the
-- question version the candidate saw and the answer they gave, so an instructor sees exactly what they saw.
create table problem_reports (
    id                  bigserial primary key,
    user_id             uuid not null references users (id) on delete cascade,
    exam_code           text not null,
    question_id         text not null,
    question_version_id bigint not null references question_versions (id),
    category            text not null check (category in ('wrong-key', 'unclear', 'outdated', 'typo', 'other')),
    body                text not null check (length(body) <= 2000),
    -- the candidate's answer (file indexes of the options chosen), and where it was given
    chosen              int[] not null default '{}',
    source              text not null check (source in ('mock', 'drill')),
    created_at          timestamptz not null default now(),
    -- open → quarantined (question kept out while it is fixed) → fixed | closed; the reply is for the candidate
    status              text not null default 'open' check (status in ('open', 'quarantined', 'fixed', 'closed')),
    reply               text not null default '' check (length(reply) <= 2000),
    handled_by          uuid references users (id),
    handled_at          timestamptz,
    foreign key (exam_code, question_id) references questions (exam_code, id)
);
create index problem_reports_queue on problem_reports (exam_code, created_at) where status in ('open', 'quarantined');
create index problem_reports_user on problem_reports (user_id, created_at desc);
create index problem_reports_question on problem_reports (exam_code, question_id, category) where status = 'open';
-- one report per candidate per question and category while it is open
create unique index problem_reports_once on problem_reports (user_id, exam_code, question_id, category)
    where status = 'open';
