
DROP TRIGGER invoices_assign_number ON invoices;
DROP FUNCTION assign_invoice_number();
DROP SEQUENCE invoice_number_seq;
