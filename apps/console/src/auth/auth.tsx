import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { call, client, onUnauthorized, tokenStore } from '../api/http';
import type { Me } from '../api/types';
import { alignWithSystemClock } from '../time';

/** The signed-in user, with the console's "now" set to the system's clock before any page reads it. */
function signedIn(me: Me): Me {
  alignWithSystemClock(me.clock.now);
  return me;
}

interface AuthState {
  token: string | null;
  me: Me | undefined;
  loading: boolean;
  /** The last token was refused by the API (expired or revoked): login says so. */
  expired: boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => tokenStore.get());
  const [expired, setExpired] = useState(false);
  const qc = useQueryClient();
  const navigate = useNavigate();

  const me = useQuery({
    queryKey: ['me', token],
    queryFn: async () => signedIn(await call<Me>(client.GET('/api/v1/auth/me'))),
    enabled: !!token,
    staleTime: Infinity,
  });

  const logout = useCallback(() => {
    tokenStore.clear();
    setToken(null);
    qc.clear();
    navigate('/login', { replace: true });
  }, [qc, navigate]);

  // a refused token (expired, revoked): the signed-in area then sends the user to login, and back to
  // this page afterwards (RequireAuth)
  useEffect(
    () =>
      onUnauthorized(() => {
        setExpired(true);
        setToken(null);
        qc.clear();
      }),
    [qc],
  );

  const login = useCallback(
    async (username: string, password: string) => {
      const res = await call<{ accessToken: string; user: Me }>(
        client.POST('/api/v1/auth/token', { body: { username, password } }),
      );
      tokenStore.set(res.accessToken);
      qc.clear();
      qc.setQueryData(['me', res.accessToken], signedIn(res.user));
      setExpired(false);
      setToken(res.accessToken);
    },
    [qc],
  );

  const value = useMemo<AuthState>(
    () => ({ token, me: me.data, loading: !!token && me.isPending, expired, login, logout }),
    [token, me.data, me.isPending, expired, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** Whether the user holds one of the roles (anywhere). */
export const hasRole = (me: Me | undefined, ...roles: string[]) => !!me?.roles.some((r) => roles.includes(r.role));
