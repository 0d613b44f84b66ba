-- workwatch warehouse, issue 13: the learned classifier's calibrated P(ai_work) per
-- classification (Platt-scaled on out-of-fold scores, see classifiers/train.py), so that a
-- reader can rank or re-threshold stored stories without re-scoring them. NULL for the
-- classifiers that give no probability (rules, the LLM judge) and for rows written before.
ALTER TABLE classifications ADD COLUMN probability DOUBLE;
