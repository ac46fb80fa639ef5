
CREATE SEQUENCE invoice_number_seq;

-- The body is dollar-quoted and full of semicolons: the statement splitter must keep it whole.
CREATE FUNCTION assign_invoice_number() RETURNS trigger
LANGUAGE plpgsql
AS $body$
BEGIN
    IF NEW.status = 'issued' AND NEW.number IS NULL THEN
        NEW.issued_on := coalesce(NEW.issued_on, current_date);
        NEW.number := to_char(NEW.issued_on, 'YYYY') || '-'
            || lpad(nextval('invoice_number_seq')::text, 5, '0');
    END IF;
    RETURN NEW;
END;
$body$;

CREATE TRIGGER invoices_assign_number
    BEFORE INSERT OR UPDATE OF status ON invoices
    FOR EACH ROW EXECUTE FUNCTION assign_invoice_number();

