/* a /* b; */ c; */ SELECT 1; -- d; e
SELECT "semi;colon" FROM t;