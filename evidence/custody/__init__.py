"""The custody chain (保管链) and everything that proves it: the one door every state
change goes through (`door.service`, `chain.custody_append`), the vocabulary of actions
and actors, content snapshots, trusted timestamps, verification and crypto-erasure."""
