#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GET /openapi.json is the repository's src/api/openapi.json, and it describes what the daemon really
answers: every endpoint and status it lists is requested here and the answer validated against its schema
(python3-jsonschema, Draft 2020-12, as OpenAPI 3.1 uses); a deliberately altered answer must fail."""
import base64
import copy
import json
import os
import time
import uuid

import socket
import threading

import jsonschema

from sandrun_test import (PORT, ExtraDaemon, HERE, SandrunTestCase, main, read_response, request, tls_context,
                          wait_until)

JSON = {'Content-Type': 'application/json'}
# The X25519 example recipient of the age spec.
AGE_RECIPIENT = 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj'
SOURCE = os.path.join(HERE, '..', '..', 'src', 'api', 'openapi.json')
# Statuses the document lists that no test can provoke on a healthy daemon, and why.
UNREACHABLE = {
    ('/api/v2/execute', 'post', '500'): 'the job could not be created (out of memory)',
    ('/api/v2/piston/execute', 'post', '500'): 'the job could not be created (out of memory)',
    ('/run', 'post', '500'): 'the job could not be created (out of memory)',
    ('/submit', 'post', '500'): 'the job could not be created (out of memory)',
    ('/healthz', 'get', '503'): 'the runner is not usable',
    ('/outputs/{id}', 'get', '413'): 'outputs over the pack limit (64 MiB of packed output)',
    ('/download/{id}', 'get', '413'): 'outputs over the pack limit (64 MiB of packed output)',
}


def announced(port, path, length, content_type):
    """A request that only announces a body over the limit: the refusal comes on the headers alone."""
    with socket.create_connection(('127.0.0.1', port), timeout=20) as raw:
        with tls_context().wrap_socket(raw) as s:
            s.sendall(b'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n'
                      % (path.encode(), content_type.encode(), length))
            return read_response(s, timeout=20)


def multipart(parts):
    boundary = 'b' + uuid.uuid4().hex
    body = b''
    for name, filename, content in parts:
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else '')
        body += b'--%s\r\nContent-Disposition: %s\r\n\r\n%s\r\n' % (boundary.encode(), disp.encode(), content)
    return body + b'--%s--\r\n' % boundary.encode(), {'Content-Type': 'multipart/form-data; boundary=' + boundary}


class OpenApi(SandrunTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = request('GET', '/openapi.json')
        assert r.status == 200, r
        cls.served = r.body
        cls.doc = r.json()
        cls.resolver = jsonschema.RefResolver.from_schema(cls.doc)
        cls.seen = set()

    def validator(self, schema):
        return jsonschema.Draft202012Validator(schema, resolver=self.resolver,
                                               format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)

    def schema_of(self, path, method, status, content_type='application/json'):
        responses = self.doc['paths'][path][method]['responses']
        self.assertIn(str(status), responses, 'the document lacks %s %s -> %s' % (method.upper(), path, status))
        return responses[str(status)]['content'][content_type]['schema']

    def check(self, r, path, method, status=None):
        """r is a documented answer to METHOD PATH: its status is listed, its body valid."""
        status = status or r.status
        self.assertEqual(r.status, status, r)
        ct = r.content_type
        schema = self.schema_of(path, method, r.status, ct)
        if ct == 'application/json':
            self.validator(schema).validate(r.json())
        self.seen.add((path, method, str(r.status)))
        return r

    def test_served_document_is_the_repository_one(self):
        with open(SOURCE, 'rb') as f:
            self.assertEqual(self.served, f.read())
        self.assertEqual(self.doc['openapi'], '3.1.0')
        for name, schema in self.doc['components']['schemas'].items():
            with self.subTest(schema=name):
                jsonschema.Draft202012Validator.check_schema(schema)
        self.check(request('GET', '/openapi.json'), '/openapi.json', 'get')

    def test_run(self):
        r = self.check(request('POST', '/run', json.dumps({'code': 'import sys; print(1); print(2, file=sys.stderr)'}),
                               {'Content-Type': 'application/json'}), '/run', 'post', 200)
        d = r.json()
        self.validator({'$ref': '#/components/schemas/ReceiptPayload'}).validate(
            json.loads(base64.b64decode(d['receipt']['payload'])))
        for code, lang in (('import time; time.sleep(3)', 'python'), ('kill -9 $$', 'bash')):
            r = request('POST', '/run', json.dumps({'code': code, 'interpreter': lang, 'timeout': 0.5}),
                        {'Content-Type': 'application/json'})
            self.check(r, '/run', 'post', 200)
            self.assertEqual(r.json()['status'], 'failed')
        r = self.check(request('POST', '/run?lang=python', 'print(3)', {'Content-Type': 'text/plain'}), '/run', 'post', 200)
        for h in self.doc['paths']['/run']['post']['responses']['200']['headers']:
            if h not in ('X-Sandrun-Signal', 'X-Sandrun-Reason'):
                self.assertIn(h, r.headers, h)
        self.check(request('POST', '/run', b'', {'Content-Type': 'text/plain'}), '/run', 'post', 400)
        self.check(request('POST', '/run', '{"code":', {'Content-Type': 'application/json'}), '/run', 'post', 400)
        self.check(announced(PORT, '/run', (1 << 20) + 1, 'text/plain'), '/run', 'post', 413)
        # A compiled language with test cases, where the server has one.
        if any(l['name'] == 'c' for l in request('GET', '/languages').json()['languages']):
            code = '#include <stdio.h>\nint main(void) { int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a + b); }\n'
            r = self.check(request('POST', '/run', json.dumps({'lang': 'c', 'code': code, 'tests': [
                {'stdin': '1 2', 'expected_output': '3'}, {'stdin': '1 1', 'expected_output': '3'}]}),
                {'Content-Type': 'application/json'}), '/run', 'post', 200)
            self.assertEqual([t['verdict'] for t in r.json()['tests']], ['accepted', 'wrong_answer'])
            self.validator({'$ref': '#/components/schemas/ReceiptPayload'}).validate(
                json.loads(base64.b64decode(r.json()['receipt']['payload'])))
        # Live output, as server-sent events: the content type is listed, and its result event is a RunResult.
        r = request('POST', '/run?lang=python&stream=1', 'print(4)', {'Content-Type': 'text/plain'})
        self.assertEqual((r.status, r.content_type), (200, 'text/event-stream'))
        self.schema_of('/run', 'post', 200, 'text/event-stream')
        result = r.text.split('event: result\ndata: ', 1)[1].split('\n', 1)[0]
        self.validator(self.schema_of('/run', 'post', 200)).validate(json.loads(result))
        # Sealed to an age recipient: "sealed" instead of the output fields; with an event stream, 409.
        sealed = json.dumps({'code': 'print(5)', 'seal_to': AGE_RECIPIENT})
        r = self.check(request('POST', '/run', sealed, JSON), '/run', 'post', 200)
        self.assertNotIn('stdout', r.json())
        self.check(request('POST', '/run?stream=1', sealed, JSON), '/run', 'post', 409)
        self.check(request('POST', '/run', json.dumps({'code': 'print(5)', 'seal_to': 'age1'}), JSON), '/run', 'post', 400)
        # Another method: listed under the one operation, POST.
        self.check(request('GET', '/run'), '/run', 'post', 405)

    def test_batch_endpoints(self):
        body, headers = multipart([('manifest', None, json.dumps({'entrypoint': 'main.py', 'outputs': ['o.txt']}).encode()),
                                   ('main.py', 'main.py', b'open("o.txt", "w").write("x"); print("hi")')])
        r = self.check(request('POST', '/submit', body, headers), '/submit', 'post', 202)
        job = r.json()['job_id']
        wait_until(lambda: request('GET', '/status/' + job).json()['status'] in ('completed', 'failed'), 30,
                   what='the job to finish')
        for path in ('/status/{id}', '/logs/{id}', '/outputs/{id}'):
            self.check(request('GET', path.replace('{id}', job)), path, 'get', 200)
        r = request('GET', '/logs/%s?stream=1' % job)
        self.assertEqual((r.status, r.content_type), (200, 'text/event-stream'))
        self.schema_of('/logs/{id}', 'get', 200, 'text/event-stream')
        result = r.text.split('event: result\ndata: ', 1)[1].split('\n', 1)[0]
        self.validator(self.schema_of('/status/{id}', 'get', 200)).validate(json.loads(result))
        self.check(request('GET', '/logs/' + job, headers={'Accept': 'text/event-stream', 'Last-Event-ID': '1'}),
                   '/logs/{id}', 'get', 400)
        r = self.check(request('GET', '/download/' + job), '/download/{id}', 'get', 200)
        self.assertIn('X-Sandrun-Receipt', r.headers)
        for path in ('/status/{id}', '/logs/{id}', '/outputs/{id}', '/download/{id}'):
            self.check(request('GET', path.replace('{id}', job)), path, 'get', 404)
            self.check(request('POST', path.replace('{id}', job), b''), path, 'get', 405)
            self.check(request('GET', path.replace('{id}', 'nope')), path, 'get', 404)
        # A running job: /status while running, /outputs 409; a failed one: /download 409.
        body, headers = multipart([('manifest', None, json.dumps({'entrypoint': 'm.py', 'timeout': 2}).encode()),
                                   ('m.py', 'm.py', b'import time; time.sleep(5)')])
        job = request('POST', '/submit', body, headers).json()['job_id']
        self.check(request('GET', '/status/' + job), '/status/{id}', 'get', 200)
        self.check(request('GET', '/outputs/' + job), '/outputs/{id}', 'get', 409)
        wait_until(lambda: request('GET', '/status/' + job).json()['status'] == 'failed', 30, what='the timeout')
        self.check(request('GET', '/download/' + job), '/download/{id}', 'get', 409)
        self.check(request('GET', '/status/' + job), '/status/{id}', 'get', 200)
        # Sealed (seal_to): /logs 409, /status without what the job produced, the download sealed.
        body, headers = multipart([('manifest', None, json.dumps({'entrypoint': 'm.py', 'outputs': ['o.txt'],
                                                                  'seal_to': AGE_RECIPIENT}).encode()),
                                   ('m.py', 'm.py', b'open("o.txt", "w").write("x")')])
        job = self.check(request('POST', '/submit', body, headers), '/submit', 'post', 202).json()['job_id']
        self.check(request('GET', '/logs/' + job), '/logs/{id}', 'get', 409)
        wait_until(lambda: request('GET', '/status/' + job).json()['status'] in ('completed', 'failed'), 30,
                   what='the sealed job to finish')
        self.check(request('GET', '/status/' + job), '/status/{id}', 'get', 200)
        r = self.check(request('GET', '/download/' + job), '/download/{id}', 'get', 200)
        self.assertEqual(r.content_type, 'application/octet-stream')
        # Bad uploads.
        self.check(request('POST', '/submit', b'junk', {'Content-Type': 'multipart/form-data; boundary=x'}),
                   '/submit', 'post', 400)
        body, headers = multipart([('manifest', None, b'{"entrypoint": 5}')])
        self.check(request('POST', '/submit', body, headers), '/submit', 'post', 400)
        self.check(request('GET', '/submit'), '/submit', 'post', 405)

    def test_piston(self):
        for prefix in ('/api/v2', '/api/v2/piston'):
            self.check(request('GET', prefix + '/runtimes'), prefix + '/runtimes', 'get', 200)
            self.check(request('POST', prefix + '/runtimes', b''), prefix + '/runtimes', 'get', 405)
            for files, code in (([{'content': 'print(1)'}], 0), ([{'content': 'import sys; sys.exit(3)'}], 3)):
                r = self.check(request('POST', prefix + '/execute', json.dumps({'language': 'python', 'version': '*',
                                                                                'files': files}), JSON),
                               prefix + '/execute', 'post', 200)
                self.assertEqual(r.json()['run']['code'], code)
            self.check(request('POST', prefix + '/execute', json.dumps({'language': 'cobol', 'version': '*',
                                                                        'files': [{'content': 'x'}]}), JSON),
                       prefix + '/execute', 'post', 400)
            self.check(request('GET', prefix + '/execute'), prefix + '/execute', 'post', 405)

    def test_small_endpoints(self):
        self.check(request('GET', '/languages'), '/languages', 'get', 200)
        self.check(request('POST', '/languages', b''), '/languages', 'get', 405)
        self.check(request('GET', '/healthz'), '/healthz', 'get', 200)
        self.check(request('POST', '/healthz', b''), '/healthz', 'get', 405)
        self.check(request('POST', '/openapi.json', b''), '/openapi.json', 'get', 405)
        key_id = json.loads(request('POST', '/run?lang=python', 'print(1)').headers['X-Sandrun-Receipt'])['key_id']
        self.check(request('GET', '/receipt-key/' + key_id), '/receipt-key/{key_id}', 'get', 200)
        self.check(request('GET', '/receipt-key/' + '0' * 32), '/receipt-key/{key_id}', 'get', 404)
        self.check(request('POST', '/receipt-key/' + key_id, b''), '/receipt-key/{key_id}', 'get', 405)
        r = request('GET', '/')
        self.assertEqual((r.status, r.content_type), (200, 'text/html'))
        self.seen.add(('/', 'get', '200'))

    def test_refusals_and_origins(self):
        with ExtraDaemon('--cors-origin', 'https://docs.example.org', '--max-running-per-ip', '1',
                         '--max-queued-per-ip', '1', '--max-running', '1', '--max-queued', '2') as d:
            for path, method in (('/api/v2/runtimes', 'get'), ('/api/v2/piston/runtimes', 'get'),
                                 ('/api/v2/execute', 'post'), ('/api/v2/piston/execute', 'post'),
                                 ('/run', 'post'), ('/submit', 'post'), ('/status/{id}', 'get'), ('/logs/{id}', 'get'),
                                 ('/outputs/{id}', 'get'), ('/download/{id}', 'get'), ('/languages', 'get'),
                                 ('/healthz', 'get'), ('/receipt-key/{key_id}', 'get'), ('/openapi.json', 'get')):
                r = d.request(method.upper(), path.replace('{id}', '0' * 32).replace('{key_id}', '0' * 32),
                              b'' if method == 'post' else None, {'Origin': 'https://evil.example'})
                self.check(r, path, method, 403)
            # One job runs, one waits: the client's next is one too many (429). The global caps (503)
            # are reached on a second daemon below.
            sleeper = json.dumps({'code': 'import time; time.sleep(4)'})
            threads = [threading.Thread(target=d.request, args=('POST', '/run', sleeper, {'Content-Type': 'application/json'}))
                       for _ in range(2)]
            for t in threads:
                t.start()
                time.sleep(0.5)
            self.check(d.request('POST', '/run', sleeper, {'Content-Type': 'application/json'}), '/run', 'post', 429)
            for prefix in ('/api/v2', '/api/v2/piston'):
                self.check(d.request('POST', prefix + '/execute', json.dumps({'language': 'python', 'version': '*',
                                                                              'files': [{'content': 'print(1)'}]}),
                                     {'Content-Type': 'application/json'}), prefix + '/execute', 'post', 429)
            body, headers = multipart([('manifest', None, b'{"entrypoint": "a.py"}'), ('a.py', 'a.py', b'print(1)')])
            self.check(d.request('POST', '/submit', body, headers), '/submit', 'post', 429)
            for t in threads:
                t.join()
        with ExtraDaemon('--max-running', '1', '--max-queued', '1', '--upload-max', '1K') as d:
            self.check(announced(d.port, '/submit', 3 << 20, 'multipart/form-data; boundary=x'), '/submit', 'post', 413)
            # One job runs, one waits: the next is one too many. They spin: --max-running counts jobs that
            # use the CPU, a sleeping job holds no slot and the second would run beside it.
            spinner = json.dumps({'code': 'import time\n'
                                          'end = time.monotonic() + 3\n'
                                          'while time.monotonic() < end:\n'
                                          '    pass\n'})
            threads = [threading.Thread(target=d.request, args=('POST', '/run', spinner, {'Content-Type': 'application/json'}))
                       for _ in range(2)]
            for t in threads:
                t.start()
                time.sleep(0.5)
            self.check(d.request('POST', '/run', spinner, {'Content-Type': 'application/json'}), '/run', 'post', 503)
            for prefix in ('/api/v2', '/api/v2/piston'):
                self.check(d.request('POST', prefix + '/execute', json.dumps({'language': 'python', 'version': '*',
                                                                              'files': [{'content': 'print(1)'}]}),
                                     {'Content-Type': 'application/json'}), prefix + '/execute', 'post', 503)
            body, headers = multipart([('manifest', None, b'{"entrypoint": "a.py"}'), ('a.py', 'a.py', b'print(1)')])
            self.check(d.request('POST', '/submit', body, headers), '/submit', 'post', 503)
            for t in threads:
                t.join()

    def test_altered_answers_fail(self):
        good = request('POST', '/run', json.dumps({'code': 'print(1)'}), {'Content-Type': 'application/json'}).json()
        v = self.validator(self.schema_of('/run', 'post', 200))
        v.validate(good)
        alterations = {
            'an unknown field': lambda d: d.update(extra=1),
            'a missing field': lambda d: d.pop('stdout'),
            'an unknown status': lambda d: d.update(status='done'),
            'an exit code as text': lambda d: d.update(exit_code='0'),
            'a metric of the wrong type': lambda d: d['metrics'].update(wall_seconds='fast'),
            'an extra metric': lambda d: d['metrics'].update(gpu_seconds=0),
            'a short signature': lambda d: d['receipt'].update(signature='AAAA'),
            'a bad job id': lambda d: d.update(job_id='../etc'),
        }
        for name, alter in alterations.items():
            with self.subTest(alteration=name):
                bad = copy.deepcopy(good)
                alter(bad)
                self.assertFalse(v.is_valid(bad), name)
        e = self.validator(self.schema_of('/run', 'post', 400))
        self.assertFalse(e.is_valid({'error': 'x', 'detail': 'y'}))
        self.assertFalse(e.is_valid({'message': 'x'}))

    def test_zz_every_documented_status_was_seen(self):
        # Runs last (alphabetically): the other tests fill self.seen.
        missing = []
        for path, methods in self.doc['paths'].items():
            for method, op in methods.items():
                for status in op['responses']:
                    key = (path, method, status)
                    if key not in self.seen and key not in UNREACHABLE:
                        missing.append(key)
        self.assertEqual(missing, [], 'documented but never checked against the daemon')


if __name__ == '__main__':
    main()
