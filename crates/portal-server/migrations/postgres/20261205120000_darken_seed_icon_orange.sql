-- The seed catalog's orange (#e37400) held white initials at 3.1:1, under
-- WCAG AA's 4.5:1; its darker shade reads at 4.65:1.
UPDATE apps SET icon_color = '#b06000' WHERE icon_color = '#e37400';
