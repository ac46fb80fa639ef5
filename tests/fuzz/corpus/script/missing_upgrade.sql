-- revision: a
-- message: m
CREATE TABLE t (i int);
