"""The refusal test bank (拒答测试题库, shaped like the GB/T 45654-2025 test) and the answerability fit."""
