"""Builders of the resources a customer tenant holds, in Microsoft Graph v1.0's JSON shape, for the
Graph stand-in's tenants (tests/graph_tenants.py).

Each builder gives every property the v1.0 metadata declares for its type (tests/graph_types.py
checks them), with values of the stand-in's own: ids derived from the tenant and the name, so a
run gives the same ids each time, and times relative to now. Names Microsoft gives (SKU part
numbers, service plans, role template ids, grant controls) are Microsoft's: checks match on them.
"""

import datetime
import uuid

INTUNE_ADMINISTRATOR = "3a2c62db-5318-420d-8d74-23affee5d9d5"
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
PLATFORMS = {  # a compliance policy's platform, as its @odata.type names it
    "ios": "iosCompliancePolicy",
    "android": "androidCompliancePolicy",
    "androidWorkProfile": "androidWorkProfileCompliancePolicy",
    "windows10": "windows10CompliancePolicy",
    "macOS": "macOSCompliancePolicy",
}
SKUS = {  # part number: its service plans (names as in Microsoft's licensing table)
    "EMSPREMIUM": [
        "AAD_PREMIUM",
        "AAD_PREMIUM_P2",
        "INTUNE_A",
        "RMS_S_ENTERPRISE",
        "RMS_S_PREMIUM",
    ],
    "EMS": ["AAD_PREMIUM", "INTUNE_A", "RMS_S_ENTERPRISE", "RMS_S_PREMIUM"],
    "AAD_PREMIUM": ["AAD_PREMIUM", "MFA_PREMIUM"],
    "ENTERPRISEPACK": ["EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "RMS_S_ENTERPRISE"],
}
GROUP_TARGET = "#microsoft.graph.groupAssignmentTarget"


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def ago(**delta) -> str:
    return iso(now() - datetime.timedelta(**delta))


def ident(tenant_id: str, *names) -> str:
    return str(uuid.uuid5(uuid.UUID(tenant_id), "/".join(names)))


def sku(
    tenant_id: str, account: str, part_number: str, *, enabled=25, consumed=10, status="Enabled"
):
    """A subscription: `enabled` seats bought, `consumed` assigned; status Enabled, Warning,
    Suspended, Deleted or LockedOut."""
    plans = [
        {"appliesTo": "User", "provisioningStatus": "Success", "servicePlanName": name}
        | {"servicePlanId": ident(tenant_id, "plan", name)}
        for name in SKUS[part_number]
    ]
    sku_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sku/{part_number}"))
    units = {"enabled": enabled, "lockedOut": 0, "suspended": 0, "warning": 0}
    return {
        "accountId": tenant_id,
        "accountName": account,
        "appliesTo": "User",
        "capabilityStatus": status,
        "consumedUnits": consumed,
        "id": f"{tenant_id}_{sku_id}",
        "prepaidUnits": units,
        "servicePlans": plans,
        "skuId": sku_id,
        "skuPartNumber": part_number,
        "subscriptionIds": [ident(tenant_id, "subscription", part_number)],
    }


def domain(name: str, *, verified=True, default=False, initial=False, federated=False) -> dict:
    return {
        "id": name,
        "authenticationType": "Federated" if federated else "Managed",
        "availabilityStatus": None,
        "isAdminManaged": True,
        "isDefault": default,
        "isInitial": initial,
        "isRoot": True,
        "isVerified": verified,
        "manufacturer": None,
        "model": None,
        "passwordNotificationWindowInDays": 14,
        "passwordValidityPeriodInDays": 2147483647,
        "state": None,
        "supportedServices": ["Email", "OfficeCommunicationsOnline"] + ["Intune"] * (not initial),
    }


def federation(tenant_id: str, display_name: str, sts_host: str) -> dict:
    """A domain's federation with an AD FS farm at `sts_host`."""
    base = f"https://{sts_host}/adfs"
    return {
        "id": ident(tenant_id, "federation", sts_host),
        "displayName": display_name,
        "issuerUri": f"http://{sts_host}/adfs/services/trust",
        "metadataExchangeUri": f"{base}/services/trust/mex",
        "passiveSignInUri": f"{base}/ls/",
        "preferredAuthenticationProtocol": "wsFed",
        "signingCertificate": "MIIC8DCCAdigAwIBAgIQStandInCertificateOnly" + "A" * 24,
        "activeSignInUri": f"{base}/services/trust/2005/usernamemixed",
        "federatedIdpMfaBehavior": "acceptIfMfaDoneByFederatedIdp",
        "isSignedAuthenticationRequestRequired": False,
        "nextSigningCertificate": None,
        "passwordResetUri": None,
        "promptLoginBehavior": "nativeSupport",
        "signOutUri": f"{base}/ls/?wa=wsignout1.0",
        "signingCertificateUpdateStatus": {
            "certificateUpdateResult": "Success",
            "lastRunDateTime": ago(days=3),
        },
    }


def group_targets(groups) -> list:
    """Assignments (of a policy, an app, terms) to these group ids."""
    return [
        {"id": f"{group}_0", "target": {"@odata.type": GROUP_TARGET, "groupId": group}}
        for group in groups
    ]


def compliance_policy(tenant_id: str, platform: str, name: str, groups=()) -> dict:
    """A device compliance policy for `platform` (a key of PLATFORMS), assigned to `groups`."""
    policy = {"@odata.type": f"#microsoft.graph.{PLATFORMS[platform]}"}
    policy.update(id=ident(tenant_id, "compliance", name), createdDateTime=ago(days=40))
    policy.update(description="", displayName=name, lastModifiedDateTime=ago(days=12), version=2)
    if platform == "ios":
        policy.update(deviceThreatProtectionEnabled=False, managedEmailProfileRequired=False)
        policy.update(deviceThreatProtectionRequiredSecurityLevel="unavailable")
        policy.update(osMaximumVersion=None, osMinimumVersion="17.0", passcodeBlockSimple=True)
        policy.update(passcodeExpirationDays=None, passcodeMinimumCharacterSetCount=None)
        policy.update(passcodeMinimumLength=6, passcodeMinutesOfInactivityBeforeLock=5)
        policy.update(passcodePreviousPasscodeBlockCount=None, passcodeRequired=True)
        policy.update(passcodeRequiredType="numeric", securityBlockJailbrokenDevices=True)
    elif platform.startswith("android"):
        policy.update(deviceThreatProtectionEnabled=False, minAndroidSecurityPatchLevel=None)
        policy.update(deviceThreatProtectionRequiredSecurityLevel="unavailable")
        policy.update(osMaximumVersion=None, osMinimumVersion="12.0", passwordExpirationDays=None)
        policy.update(passwordMinimumLength=6, passwordMinutesOfInactivityBeforeLock=5)
        policy.update(passwordPreviousPasswordBlockCount=None, passwordRequired=True)
        policy.update(passwordRequiredType="numericComplex", securityBlockJailbrokenDevices=True)
        policy.update(securityDisableUsbDebugging=True, securityRequireVerifyApps=True)
        policy.update(securityPreventInstallAppsFromUnknownSources=True)
        policy.update(securityRequireCompanyPortalAppIntegrity=True)
        policy.update(securityRequireGooglePlayServices=True)
        policy.update(securityRequireSafetyNetAttestationBasicIntegrity=True)
        policy.update(securityRequireSafetyNetAttestationCertifiedDevice=False)
        policy.update(securityRequireUpToDateSecurityProviders=True, storageRequireEncryption=True)
    else:  # windows10 and macOS share the password rules
        policy.update(osMaximumVersion=None, osMinimumVersion=None, passwordBlockSimple=True)
        policy.update(passwordExpirationDays=None, passwordMinimumCharacterSetCount=None)
        policy.update(passwordMinimumLength=8, passwordMinutesOfInactivityBeforeLock=15)
        policy.update(passwordPreviousPasswordBlockCount=None, passwordRequired=True)
        policy.update(passwordRequiredType="alphanumeric", storageRequireEncryption=True)
        if platform == "windows10":
            policy.update(bitLockerEnabled=True, codeIntegrityEnabled=True, secureBootEnabled=True)
            policy.update(earlyLaunchAntiMalwareDriverEnabled=False, mobileOsMaximumVersion=None)
            policy.update(mobileOsMinimumVersion=None, passwordRequiredToUnlockFromIdle=False)
            policy.update(requireHealthyDeviceReport=True)
        else:
            policy.update(deviceThreatProtectionEnabled=False, firewallBlockAllIncoming=False)
            policy.update(deviceThreatProtectionRequiredSecurityLevel="unavailable")
            policy.update(firewallEnableStealthMode=False, firewallEnabled=True)
            policy.update(systemIntegrityProtectionEnabled=True)
    policy["assignments"] = group_targets(groups)
    return policy


def conditional_access_policy(
    tenant_id: str, name: str, controls, *, state="enabled", groups=(), platforms=()
):
    """A conditional access policy granting access with `controls` (mfa, compliantDevice,
    approvedApplication, compliantApplication, ...; "block" blocks) to members of `groups`
    (everyone when none) on `platforms` (all when none); state enabled, disabled or
    enabledForReportingButNotEnforced."""
    users = {
        "includeUsers": [] if groups else ["All"],
        "excludeUsers": [],
        "includeGroups": list(groups),
    }
    users.update(excludeGroups=[], includeRoles=[], excludeRoles=[])
    users.update(includeGuestsOrExternalUsers=None, excludeGuestsOrExternalUsers=None)
    applications = {
        "includeApplications": ["All"],
        "excludeApplications": [],
        "includeUserActions": [],
    }
    applications.update(includeAuthenticationContextClassReferences=[], applicationFilter=None)
    conditions = {"userRiskLevels": [], "signInRiskLevels": [], "clientAppTypes": ["all"]}
    conditions.update(servicePrincipalRiskLevels=[], insiderRiskLevels=None, locations=None)
    conditions.update(devices=None, clientApplications=None, authenticationFlows=None)
    conditions.update(applications=applications, users=users, platforms=None)
    if platforms:
        conditions["platforms"] = {"includePlatforms": list(platforms), "excludePlatforms": []}
    grant = {"operator": "OR", "builtInControls": list(controls), "customAuthenticationFactors": []}
    grant["termsOfUse"] = []
    return {
        "id": ident(tenant_id, "conditional-access", name),
        "templateId": None,
        "displayName": name,
        "createdDateTime": ago(days=30),
        "modifiedDateTime": ago(days=5),
        "state": state,
        "conditions": conditions,
        "grantControls": grant,
        "sessionControls": None,
    }


def app_protection(tenant_id: str, platform: str, name: str, groups=(), *, apps=3) -> dict:
    """An app protection (MAM) policy for "ios" or "android", assigned to `groups`."""
    policy = {"@odata.type": f"#microsoft.graph.{platform}ManagedAppProtection"}
    policy.update(id=f"T_{ident(tenant_id, 'app-protection', name)}", displayName=name)
    policy.update(createdDateTime=ago(days=25), lastModifiedDateTime=ago(days=9), version='"5"')
    policy.update(description="", allowedDataStorageLocations=["oneDriveForBusiness", "sharePoint"])
    policy.update(allowedInboundDataTransferSources="managedApps", contactSyncBlocked=False)
    policy.update(allowedOutboundClipboardSharingLevel="managedAppsWithPasteIn")
    policy.update(allowedOutboundDataTransferDestinations="managedApps", dataBackupBlocked=True)
    policy.update(deviceComplianceRequired=True, disableAppPinIfDevicePinIsSet=False)
    policy.update(fingerprintBlocked=False, managedBrowser="microsoftEdge", maximumPinRetries=5)
    policy.update(managedBrowserToOpenLinksRequired=True, minimumPinLength=4, pinRequired=True)
    policy.update(minimumRequiredAppVersion=None, minimumRequiredOsVersion=None)
    policy.update(minimumWarningAppVersion=None, minimumWarningOsVersion=None)
    policy.update(organizationalCredentialsRequired=False, periodBeforePinReset="PT0S")
    policy.update(periodOfflineBeforeAccessCheck="PT12H", periodOfflineBeforeWipeIsEnforced="P90D")
    policy.update(periodOnlineBeforeAccessCheck="PT30M", pinCharacterSet="numeric")
    policy.update(printBlocked=True, saveAsBlocked=True, simplePinBlocked=True)
    policy.update(isAssigned=bool(groups), deployedAppCount=apps)
    if platform == "ios":
        policy.update(appDataEncryptionType="whenDeviceLocked", customBrowserProtocol=None)
        policy.update(faceIdBlocked=False, minimumRequiredSdkVersion=None)
    else:
        policy.update(customBrowserDisplayName=None, customBrowserPackageId=None)
        policy.update(disableAppEncryptionIfDeviceEncryptionIsEnabled=False, encryptAppData=True)
        policy.update(minimumRequiredPatchVersion=None, minimumWarningPatchVersion=None)
        policy.update(screenCaptureBlocked=True)
    policy["assignments"] = group_targets(groups)
    return policy


def terms_and_conditions(tenant_id: str, name: str, body: str, groups=()) -> dict:
    """Terms shown in the Company Portal, assigned to `groups`."""
    return {
        "@odata.type": "#microsoft.graph.termsAndConditions",
        "id": ident(tenant_id, "terms", name),
        "createdDateTime": ago(days=20),
        "lastModifiedDateTime": ago(days=20),
        "displayName": name,
        "description": "",
        "title": name,
        "bodyText": body,
        "acceptanceStatement": "I accept these terms.",
        "version": 1,
        "assignments": group_targets(groups),
    }


def role_assignment(tenant_id: str, role_definition_id: str, principal_id: str) -> dict:
    return {
        "id": ident(tenant_id, "role-assignment", role_definition_id, principal_id),
        "principalId": principal_id,
        "principalOrganizationId": tenant_id,
        "roleDefinitionId": role_definition_id,
        "directoryScopeId": "/",
        "appScopeId": None,
        "condition": None,
    }


IOS_VERSIONS = ["v8_0", "v9_0", "v10_0", "v11_0", "v12_0", "v13_0", "v14_0", "v15_0"]
ANDROID_VERSIONS = ["v4_0", "v4_0_3", "v4_1", "v4_2", "v4_3", "v4_4", "v5_0", "v5_1", "v6_0"]
ANDROID_VERSIONS += ["v7_0", "v7_1", "v8_0", "v9_0", "v10_0", "v11_0"]


def mobile_app(tenant_id: str, kind: str, name: str, groups=(), *, publisher="Contoso") -> dict:
    """An app of `kind` (iosStoreApp, androidStoreApp, webApp, windowsMicrosoftEdgeApp,
    managedIOSStoreApp, managedAndroidStoreApp: Microsoft's built-in apps are the last two),
    required for `groups`. v1.0 has no `isAssigned` on apps: `$expand=assignments` shows them."""
    slug = name.lower().replace(" ", "")
    app = {"@odata.type": f"#microsoft.graph.{kind}", "id": ident(tenant_id, "app", kind, name)}
    app.update(createdDateTime=ago(days=60), lastModifiedDateTime=ago(days=14), displayName=name)
    app.update(description=name, developer=None, informationUrl=None, isFeatured=False)
    app.update(largeIcon=None, notes=None, owner=None, privacyInformationUrl=None)
    app.update(publisher=publisher, publishingState="published")
    if kind.startswith("managed"):
        app.update(appAvailability="global", version="1")
    if kind in ("iosStoreApp", "managedIOSStoreApp"):
        app.update(
            appStoreUrl=f"https://apps.apple.com/app/{slug}/id1000000001",
            bundleId=f"com.example.{slug}",
        )
        app["applicableDeviceType"] = {"iPad": True, "iPhoneAndIPod": True}
        app["minimumSupportedOperatingSystem"] = {
            version: version == "v15_0" for version in IOS_VERSIONS
        }
    elif kind in ("androidStoreApp", "managedAndroidStoreApp"):
        app.update(appStoreUrl=f"https://play.google.com/store/apps/details?id=com.example.{slug}")
        app["packageId"] = f"com.example.{slug}"
        app["minimumSupportedOperatingSystem"] = {v: v == "v8_0" for v in ANDROID_VERSIONS}
    elif kind == "webApp":
        app.update(appUrl=f"https://{slug}.example.com/", useManagedBrowser=False)
    elif kind == "windowsMicrosoftEdgeApp":
        app.update(channel="stable", displayLanguageLocale=None)
    app["assignments"] = [
        assignment | {"intent": "required", "settings": None}
        for assignment in group_targets(groups)
    ]
    return app


def built_in_apps(tenant_id: str, count: int) -> list:
    """Microsoft's apps every tenant lists (for app protection), none assigned."""
    kinds = ["managedIOSStoreApp", "managedAndroidStoreApp"]
    return [
        mobile_app(tenant_id, kinds[index % 2], f"Microsoft app {index:03}", publisher="Microsoft")
        for index in range(count)
    ]


def sign_in(tenant_id: str, user_principal_name: str, **changes) -> dict:
    """One interactive sign-in, successful unless `changes` say otherwise."""
    event = {
        "id": ident(tenant_id, "sign-in", user_principal_name, ago(hours=2)),
        "createdDateTime": ago(hours=2),
        "userDisplayName": "Pilot user",
        "userPrincipalName": user_principal_name,
        "userId": ident(tenant_id, "user", user_principal_name),
        "appId": "00000002-0000-0ff1-ce00-000000000000",
        "appDisplayName": "Office 365 Exchange Online",
        "ipAddress": "203.0.113.7",
        "clientAppUsed": "Browser",
        "correlationId": ident(tenant_id, "correlation", user_principal_name),
        "conditionalAccessStatus": "success",
        "isInteractive": True,
        "riskDetail": "none",
        "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none",
        "riskState": "none",
        "riskEventTypes": [],
        "riskEventTypes_v2": [],
        "resourceDisplayName": "Office 365 Exchange Online",
        "resourceId": "00000002-0000-0ff1-ce00-000000000000",
        "status": {"errorCode": 0, "failureReason": "Other.", "additionalDetails": None},
        "deviceDetail": {"deviceId": "", "displayName": None, "operatingSystem": "Windows10"}
        | {"browser": "Edge 120.0.0", "isCompliant": False, "isManaged": False, "trustType": None},
        "location": {"city": "Sao Paulo", "state": "Sao Paulo", "countryOrRegion": "BR"}
        | {"geoCoordinates": {"altitude": None, "latitude": -23.55, "longitude": -46.63}},
        "appliedConditionalAccessPolicies": [],
    }
    return event | changes
