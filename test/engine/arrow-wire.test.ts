// Batches sent to workers leave out the columns no row has (EventBatch.toArrow's
// omitAbsentColumns): every kind of leaf must read a missing column exactly as a column
// that is absent on every row.
import { RecordBatchReader, RecordBatchStreamWriter } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { BatchBuilder, compileRuleSet, decodeBatch, encodeBatch, evaluateBatch, EventBatch, type BatchMatches } from '@siemlite/core';
import { loadRulesFromText } from '@siemlite/rules';

describe('EventBatch.toArrow without absent columns', () => {
  it('leaves out the fields no row has, and evaluates the same as the full batch', () => {
    const rules = [
      loadRulesFromText('a.yml', 'title: a\nlogsource: {product: test}\ndetection:\n  s: {Image|endswith: .exe}\n  condition: s').rules[0]!,
      loadRulesFromText('b.yml', 'title: b\nlogsource: {product: test}\ndetection:\n  s: {Missing: null}\n  condition: s').rules[0]!,
      loadRulesFromText('c.yml', 'title: c\nlogsource: {product: test}\ndetection:\n  s: {Missing|exists: false, Image|fieldref|contains: Other}\n  condition: s').rules[0]!,
      loadRulesFromText('d.yml', 'title: d\nlogsource: {product: test}\ndetection:\n  s: {Missing|exists: true}\n  condition: not s').rules[0]!,
    ];
    const plan = compileRuleSet(rules);
    const events = [{ Image: 'C:\\a.exe', Other: 'a.exe' }, { Image: 'b.dll' }, { Other: null }];
    const batch = new BatchBuilder({ fields: plan.fields, withKeywords: plan.hasKeywords }).build(events);
    expect(batch.columnNames).toContain('Missing');
    const bytes = RecordBatchStreamWriter.writeAll([batch.toArrow({ omitAbsentColumns: true })]).toUint8Array(true);
    const back = EventBatch.fromArrow([...RecordBatchReader.from(bytes)][0]!);
    expect(back.columnNames.sort()).toEqual(['Image', 'Other']);
    // The worker wire format does the same.
    expect(decodeBatch(encodeBatch(batch)).columnNames.sort()).toEqual(['Image', 'Other']);
    const pairs = (m: BatchMatches): string[] => Array.from({ length: m.count }, (_, i) => `${m.ruleIndexes[i]}:${m.rows[i]}`);
    const full = pairs(evaluateBatch(plan, batch));
    expect(full).toEqual(['0:0', '1:0', '1:1', '1:2', '2:0', '3:0', '3:1', '3:2']);
    expect(pairs(evaluateBatch(plan, back))).toEqual(full);
    expect(pairs(evaluateBatch(plan, decodeBatch(encodeBatch(batch))))).toEqual(full);
  });
});
