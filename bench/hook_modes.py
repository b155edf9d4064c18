#!/usr/bin/env python3
"""The harness's hooked-commit figure (crates/avow-bench/src/measure.rs,
`hook_overhead`) alone, for several builds side by side: no hooks, two
`true` hooks, and avow's default hooks of each BIN, in rotation; median
wall time and mean CPU (user + system of `git commit` and all it runs).

usage: bench/hook_modes.py ROUNDS BIN [BIN...]   (scratch in /tmp/hookbench-UID)"""
import os, sys, subprocess, time, resource, shutil, statistics
rounds = int(sys.argv[1]); bins = sys.argv[2:]
base = '/tmp/hookbench-' + str(os.getuid())
home = base + '/home'
env = {k: v for k, v in os.environ.items() if not k.startswith('GIT_') and k not in ('SSH_AUTH_SOCK','EDITOR','VISUAL','AVOW_LOG')}
env.update(HOME=home, XDG_CONFIG_HOME=home+'/.config', GIT_CONFIG_NOSYSTEM='1', GIT_CONFIG_GLOBAL=home+'/.gitconfig',
           GIT_AUTHOR_NAME='Alice Example', GIT_AUTHOR_EMAIL='alice@example.org', GIT_AUTHOR_DATE='1764000000 +0000',
           GIT_COMMITTER_NAME='Alice Example', GIT_COMMITTER_EMAIL='alice@example.org', GIT_COMMITTER_DATE='1764000000 +0000',
           GIT_EDITOR='true', LC_ALL='C', TZ='UTC')
def run(args, cwd, **kw):
    subprocess.run(args, cwd=cwd, env=env, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, **kw)
if os.path.exists(base): shutil.rmtree(base)
os.makedirs(home); open(home+'/.gitconfig','w').close()
for d in ('nohooks','truehooks'): os.makedirs(base+'/'+d)
key = base + '/id_ed25519'
subprocess.run(['ssh-keygen','-q','-t','ed25519','-N','','-C','alice@example.org','-f',key], check=True)
for h in ('prepare-commit-msg','commit-msg'): os.symlink(shutil.which('true'), base+'/truehooks/'+h)
repos=[]
for i,b in enumerate(bins):
    r = f'{base}/repo{i}'; os.makedirs(r)
    run(['git','init','-q','-b','main'], r)
    run(['git','config','user.name','Alice Example'], r); run(['git','config','user.email','alice@example.org'], r)
    run(['git','config','avow.signingKey',key], r)
    run([b,'init','--preset','disclose'], r); run(['git','add','.avow'], r)
    run(['git','commit','-q','--no-verify','-m','Adopt avow'], r)
    run([b,'install'], r); repos.append(r)
modes = [('none', repos[0], ['-c','core.hooksPath='+base+'/nohooks']), ('true', repos[0], ['-c','core.hooksPath='+base+'/truehooks'])]
modes += [(f'avow{i}', r, []) for i,r in enumerate(repos)]
wall = {m[0]: [] for m in modes}; cpu = {m[0]: 0.0 for m in modes}
def ch(): u = resource.getrusage(resource.RUSAGE_CHILDREN); return u.ru_utime + u.ru_stime
for i in range(rounds+1):
    for k in range(len(modes)):
        name, r, extra = modes[(i+k) % len(modes)]
        with open(r+'/file.txt','w') as f: f.write(f'round {i}, hooks {name}\n')
        run(['git','add','file.txt'], r)
        cmd = ['git'] + extra + ['commit','-q','-m',f'Round {i}','--trailer','Authorship: human','--trailer',f'Rationale: Round {i} changes file.txt so that the hook has a change to sign.']
        c0 = ch(); t0 = time.perf_counter(); run(cmd, r); t = time.perf_counter()-t0; c = ch()-c0
        if i > 0: wall[name].append(t); cpu[name] += c
for r in repos:
    out = subprocess.run(['git','log',f'-{len(modes)}','--format=%(trailers:key=Avow-Signature,valueonly)'], cwd=r, env=env, capture_output=True, text=True).stdout
    assert out.strip(), 'last avow commit not signed in ' + r
n0 = statistics.median(wall['none']); c0 = cpu['none']/rounds
for name,_,_ in modes:
    w = statistics.median(wall[name]); c = cpu[name]/rounds
    print(f'{name:6} wall {w*1000:7.2f} ms {w/n0:5.2f}x   cpu {c*1000:6.2f} ms {c/c0:5.2f}x')
print('load', os.getloadavg()[0])
