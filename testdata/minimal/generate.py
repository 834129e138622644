# Usage (from the repository root): python3 testdata/minimal/generate.py
# Generates one minimal, schema-valid instance of every R4 resource type, following the
# schema's `required` lists. Run once; the output is committed as test data.
import json, sys
s = json.load(open('crates/relais-fhir/data/fhir.schema.json'))
defs = s['definitions']
prim = {'string': 'x', 'code': 'x', 'id': 'x', 'markdown': 'x', 'uri': 'http://example.org/x', 'url': 'http://example.org/x',
        'canonical': 'http://example.org/x', 'oid': 'urn:oid:1.2.3', 'uuid': 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520',
        'boolean': True, 'integer': 1, 'positiveInt': 1, 'unsignedInt': 0, 'decimal': 1.5, 'date': '2026-01-01',
        'dateTime': '2026-01-01T00:00:00Z', 'instant': '2026-01-01T00:00:00Z', 'time': '10:00:00', 'base64Binary': 'AAAA',
        'xhtml': '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}
def value(prop, depth):
    if 'items' in prop:
        return [value(prop['items'], depth)]
    if 'enum' in prop:
        return prop['enum'][0]
    if 'const' in prop:
        return prop['const']
    ref = prop.get('$ref', '').replace('#/definitions/', '')
    if ref in prim:
        return prim[ref]
    if ref == 'Reference':
        return {'reference': 'Patient/x'}
    if ref == 'CodeableConcept':
        return {'text': 'x'}
    if ref in ('Quantity', 'Money', 'Duration', 'Age', 'Count', 'Distance', 'SimpleQuantity'):
        return {'value': 1}
    if ref == 'Period':
        return {'start': '2026-01-01'}
    if ref in defs and 'properties' in defs[ref]:
        return obj(ref, depth + 1)
    if 'pattern' in prop or prop.get('type') == 'string':
        return 'x'
    if prop.get('type') == 'number':
        return 1
    raise SystemExit('cannot fill ' + json.dumps(prop)[:200])
def obj(name, depth):
    d = defs[name]
    out = {}
    for r in d.get('required', []):
        if r == 'resourceType':
            out['resourceType'] = name
        else:
            out[r] = value(d['properties'][r], depth)
    if not out:
        # FHIR forbids empty elements: give a backbone element something harmless.
        out['id'] = 'x'
    return out
types = sorted(s['discriminator']['mapping'].keys())
result = [obj(t, 0) for t in types]
json.dump(result, open('testdata/minimal/every-resource-type.json', 'w'), indent=1, ensure_ascii=False)
print(len(result))
